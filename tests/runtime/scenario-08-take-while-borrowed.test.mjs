// Scenario 8: take or dispose while borrowed (wasm-bindgen PR #3940;
// UniFFI handle races). Take fails with EXTREF_BORROWED / EXTREF_HELD;
// after a successful take every access reports EXTREF_TAKEN; a take racing
// borrows made from another thread through a hold never both succeed.
import {
  test, addon, assert, expectCode, codeOf, collect, snapshot, waitFor,
} from './harness.mjs';

const ANY_ACCESS = {
  ref: (x, k) => addon.ref(x, k),
  mutRef: (x, k) => addon.mutRef(x, k),
  cloneOut: (x, k) => addon.cloneOut(x, k),
  take: (x, k) => addon.take(x, k),
  hold: (x, k) => addon.hold(x, k),
  withMut: (x, k) => addon.withMut(x, k, () => {}),
  jobStart: (x, k) => addon.jobStart('hold', x, k, 1),
  asyncHold: (x, k) => addon.asyncHold(x, k, 0, 0, () => {}),
};

for (const kind of ['counter', 'send']) {
  test(`take_refused_while_shared_borrow_live_${kind}`, () => {
    const x = addon.create(kind, 1);
    const id = addon.ref(x, kind);
    expectCode(() => addon.take(x, kind), 'EXTREF_BORROWED');
    addon.release(id);
    assert.equal(addon.take(x, kind), 1);
  });

  test(`take_refused_while_exclusive_borrow_live_${kind}`, () => {
    const x = addon.create(kind, 2);
    const id = addon.mutRef(x, kind);
    expectCode(() => addon.take(x, kind), 'EXTREF_MUT_BORROWED');
    addon.release(id);
    assert.equal(addon.take(x, kind), 2);
  });

  test(`take_refused_while_hold_live_${kind}`, () => {
    const x = addon.create(kind, 3);
    const h = addon.hold(x, kind);
    const h2 = addon.holdDup(h);
    expectCode(() => addon.take(x, kind), 'EXTREF_HELD');
    addon.holdRelease(h);
    expectCode(() => addon.take(x, kind), 'EXTREF_HELD');
    addon.holdRelease(h2);
    assert.equal(addon.take(x, kind), 3);
  });

  test(`every_access_after_take_reports_taken_${kind}`, async () => {
    await collect();
    const before = snapshot();
    let x = addon.create(kind, 4);
    assert.equal(addon.take(x, kind), 4);
    for (const [op, fn] of Object.entries(ANY_ACCESS)) {
      try {
        expectCode(() => fn(x, kind), 'EXTREF_TAKEN');
      } catch (e) {
        e.message = `${op}: ${e.message}`;
        throw e;
      }
    }
    // Another type is still a mismatch, not TAKEN.
    expectCode(() => addon.ref(x, 'other'), 'EXTREF_TYPE_MISMATCH');
    x = null;
    await collect();
    const after = snapshot();
    assert.equal(after.stats.takes, before.stats.takes + 1);
    assert.equal(after.counters.takenFreed[kind],
      before.counters.takenFreed[kind] + 1);
    assert.equal(after.counters.drops.total, before.counters.drops.total,
      'a taken payload was dropped');
    assert.equal(after.stats.livePayloads, before.stats.livePayloads);
  });
}

test('take_gives_back_external_bytes_once', async () => {
  await collect();
  const base = addon.stats().externalBytes;
  const x = addon.create('counter', 5, 1 << 20);
  assert.equal(addon.stats().externalBytes, base + (1 << 20));
  addon.take(x, 'counter');
  assert.equal(addon.stats().externalBytes, base);
  await collect();
  assert.equal(addon.stats().externalBytes, base, 'given back twice');
});

test('hold_on_a_payload_taken_through_another_path_reports_taken',
  async () => {
    // A hold made, released; then take; a new hold is refused.
    const x = addon.create('send', 6);
    addon.holdRelease(addon.hold(x, 'send'));
    addon.take(x, 'send');
    expectCode(() => addon.hold(x, 'send'), 'EXTREF_TAKEN');
  });

test('take_racing_borrows_through_a_hold_never_both_succeed', async () => {
  await collect();
  const before = snapshot();
  const x = addon.create('send', 8);
  const ITER = 20000;
  const job = addon.jobStart('spin', x, 'send', 0, ITER);
  await waitFor(() => addon.jobState(job).state >= 1, 'the thread');
  addon.jobOpen(job);
  const refused = {};
  let taken = null;
  let tries = 0;
  // Keep trying while the thread borrows; stop at the first success.
  for (;;) {
    tries++;
    const code = codeOf(() => {
      taken = addon.take(x, 'send');
    });
    if (code === 'OK') break;
    refused[code] = (refused[code] || 0) + 1;
    if (tries % 64 === 0) await new Promise((r) => setTimeout(r, 0));
    if (tries > 5e6) assert.fail('take never succeeded');
  }
  const r = addon.jobJoin(job);
  // The thread's hold blocks take until its last act, the hold release.
  assert.equal(r.successes, ITER, `thread refusals ${JSON.stringify(
    r.refusals)}`);
  assert.equal(r.intact, true);
  assert.equal(r.release, 'EXTREF_OK');
  assert.equal(r.holdRelease, 'EXTREF_OK');
  for (const code of Object.keys(refused)) {
    assert.ok(['EXTREF_HELD', 'EXTREF_BORROWED', 'EXTREF_MUT_BORROWED']
      .includes(code), `take refused with ${code}`);
  }
  assert.equal(taken, 8);
  expectCode(() => addon.ref(x, 'send'), 'EXTREF_TAKEN');
  const after = snapshot();
  assert.equal(after.counters.drops.total, before.counters.drops.total);
  assert.equal(after.stats.liveBorrows, before.stats.liveBorrows);
  assert.equal(after.stats.liveHolds, before.stats.liveHolds);
});

test('thread_borrows_after_take_report_taken_through_surviving_hold',
  async () => {
    // Two holds: the thread keeps one; JS releases the other and then
    // cannot take (HELD). Nothing ever reports a successful borrow of a
    // taken payload.
    const x = addon.create('send', 9);
    const job = addon.jobStart('tick', x, 'send', 0);
    await waitFor(() => addon.jobState(job).state >= 1, 'the thread');
    for (let i = 0; i < 200; i++) {
      const c = codeOf(() => addon.take(x, 'send'));
      assert.ok(c === 'EXTREF_HELD' || c === 'EXTREF_BORROWED', c);
    }
    addon.jobOpen(job);
    const r = addon.jobJoin(job);
    assert.ok(r.successes > 0);
    assert.deepEqual(r.refusals, {});
    assert.equal(addon.take(x, 'send'), 9);
  });
