// Scenario 16: stale handles after their slot was reused. A released hold
// pointer used again after new holds were made (on 1.0 the freed hold slot
// is reused LIFO, so the stale pointer names the new hold at once); a copy
// of a released borrow released while another borrow of the same kind of
// the same payload is live; a copy of a borrow of a payload long dropped,
// after thousands of payloads churned through the slots. 1.1 contract:
// stale handles are EXTREF_INVALID_ARG and change nothing.
import {
  test, addon, assert, collect, expectCode, waitForGc,
} from './harness.mjs';

const KINDS = ['counter', 'send'];

for (const kind of KINDS) {
  test(`stale_hold_pointer_after_slot_reuse_is_invalid_arg_${kind}`, (t) => {
    const x = addon.create(kind, 1);
    const y = addon.create(kind, 2);
    const h = addon.hold(x, kind);
    const stale = addon.holdPtr(h);
    addon.holdRelease(h);
    // New holds: the first most likely takes the freed hold's slot.
    const h2 = addon.hold(y, kind);
    const h3 = addon.holdDup(h2);
    const reused = [addon.holdPtr(h2), addon.holdPtr(h3)].includes(stale);
    const base = addon.stats();
    const got = {
      ref: addon.rawHold('ref', stale),
      mutRef: addon.rawHold('mutRef', stale),
      dup: addon.rawHold('dup', stale),
      release: addon.rawHold('release', stale),
    };
    const after = addon.stats();
    const summary = Object.entries(got).map(([op, r]) => `${op}: ${r.status}` +
      (r.value !== undefined ? ` (read value ${r.value})` : '')).join(', ');
    t.log(`${t.runtime}: ${kind}: released hold's slot ${reused ? 'was' :
      'was not'} reused by a new hold; stale pointer: ${summary}`);
    // Clean up what a wrongly accepted call made or undid.
    if (got.dup.id) addon.holdRelease(got.dup.id);
    for (const id of [h2, h3]) {
      try { addon.holdRelease(id); } catch { /* released through stale */ }
    }
    for (const op of Object.keys(got)) {
      assert.equal(got[op].status, 'EXTREF_INVALID_ARG',
        `stale hold pointer (slot ${reused ? '' : 'not '}reused by a new ` +
        `hold): ${summary}`);
    }
    assert.equal(after.liveHolds, base.liveHolds, 'the hold count changed');
    assert.equal(after.liveBorrows, base.liveBorrows);
  });

  for (const [acq, other, refused] of [
    ['ref', 'mutRef', 'EXTREF_BORROWED'],
    ['mutRef', 'ref', 'EXTREF_MUT_BORROWED'],
  ]) {
    test(`stale_${acq}_copy_released_while_new_${acq}_live_is_invalid_arg_` +
      `${kind}`, () => {
      const x = addon.create(kind, 3);
      const base = addon.stats().liveBorrows;
      const first = addon[acq](x, kind);
      const copy = addon.borrowCopy(first);
      addon.release(first);
      const live = addon[acq](x, kind);
      assert.equal(addon.stats().liveBorrows, base + 1);
      const st = addon.releaseStatus(copy);
      const mid = addon.stats().liveBorrows;
      addon.borrowForget(copy);
      assert.equal(st, 'EXTREF_INVALID_ARG', `a stale copy of a released ` +
        `${acq} borrow was released while a new one is live: ${st}; live ` +
        `borrows ${base + 1} -> ${mid}`);
      assert.equal(mid, base + 1, 'the live borrow was counted off');
      // The live borrow still excludes the other kind.
      expectCode(() => addon[other](x, kind), refused);
      addon.release(live);
      assert.equal(addon.stats().liveBorrows, base);
      addon.release(addon.mutRef(x, kind));
    });
  }

  test(`stale_borrow_copy_after_payload_dropped_and_heavy_churn_is_` +
    `invalid_arg_${kind}`, async (t) => {
    await collect();
    const dropsBefore = addon.counters().drops[kind];
    let copy, token;
    (() => {
      const x = addon.create(kind, 4);
      const id = addon.mutRef(x, kind);
      copy = addon.borrowCopy(id);
      token = addon.borrowRaw(id)[1];
      addon.release(id);
    })();
    await waitForGc(() => addon.counters().drops[kind] > dropsBefore,
      'the drop');
    // Churn: thousands of payloads made and dropped through the slots.
    for (let round = 0; round < 5; round++) {
      addon.createMany(kind, 2000, 0);
      await collect(2);
    }
    // Then many live payloads, each exclusively borrowed, so that whatever
    // slot the stale token names is most likely live and borrowed now.
    const keep = [];
    const ids = [];
    let sameSlot = false;
    const index = (tok) => (tok >> 3n) & 0xFFFFFFFFn;
    for (let i = 0; i < 3000; i++) {
      const y = addon.create(kind, 5);
      const id = addon.mutRef(y, kind);
      if (index(addon.borrowRaw(id)[1]) === index(token)) sameSlot = true;
      keep.push(y);
      ids.push(id);
    }
    const base = addon.stats();
    const st = addon.releaseStatus(copy);
    const after = addon.stats();
    addon.borrowForget(copy);
    t.log(`${t.runtime}: stale token's slot ` +
      `${sameSlot ? 'reused' : 'not seen reused (token layout?)'} by a ` +
      `live exclusively borrowed payload; release: ${st}`);
    for (const id of ids) addon.release(id);
    assert.equal(st, 'EXTREF_INVALID_ARG');
    assert.equal(after.liveBorrows, base.liveBorrows);
    assert.equal(after.livePayloads, base.livePayloads);
    assert.equal(addon.counters().doubleDrops, 0);
  });
}
