// Scenario 12: double release and stale borrows. Releasing the same
// extref_borrow_t twice, a zeroed one, a stale copy, one after the payload
// was taken or dropped: EXTREF_INVALID_ARG, and the counts stay right.
import {
  test, addon, assert, collect, snapshot, waitForGc,
} from './harness.mjs';

for (const [acq, kind] of [['ref', 'counter'], ['mutRef', 'counter'],
  ['ref', 'send'], ['mutRef', 'send']]) {
  test(`release_same_${acq}_twice_is_invalid_arg_${kind}`, () => {
    const x = addon.create(kind, 1);
    const base = addon.stats().liveBorrows;
    const id = addon[acq](x, kind);
    assert.equal(addon.stats().liveBorrows, base + 1);
    assert.equal(addon.releaseStatus(id), 'EXTREF_OK');
    assert.equal(addon.borrowIsEmpty(id), true, 'release did not empty it');
    assert.equal(addon.releaseStatus(id), 'EXTREF_INVALID_ARG');
    assert.equal(addon.releaseStatus(id), 'EXTREF_INVALID_ARG');
    assert.equal(addon.stats().liveBorrows, base, 'double decrement');
    addon.borrowForget(id);
    // Nothing is stuck: exclusive access works.
    addon.release(addon.mutRef(x, kind));
  });

  test(`release_stale_copy_of_${acq}_is_invalid_arg_${kind}`, () => {
    const x = addon.create(kind, 2);
    const base = addon.stats().liveBorrows;
    const id = addon[acq](x, kind);
    const copy = addon.borrowCopy(id);
    assert.equal(addon.releaseStatus(id), 'EXTREF_OK');
    assert.equal(addon.releaseStatus(copy), 'EXTREF_INVALID_ARG');
    assert.equal(addon.stats().liveBorrows, base);
    addon.borrowForget(id);
    addon.borrowForget(copy);
    addon.release(addon.mutRef(x, kind));
  });
}

test('release_zeroed_borrow_is_invalid_arg', () => {
  const base = addon.stats().liveBorrows;
  for (const v of ['zeroed', 'null', 'garbage', 'ones', 'token_only']) {
    assert.equal(addon.probe('borrow_release', v), 'EXTREF_INVALID_ARG', v);
  }
  assert.equal(addon.stats().liveBorrows, base);
});

test('release_stale_copy_after_take_is_invalid_arg', () => {
  const x = addon.create('counter', 3);
  const base = addon.stats();
  const id = addon.ref(x, 'counter');
  const copy = addon.borrowCopy(id);
  addon.release(id);
  assert.equal(addon.take(x, 'counter'), 3);
  assert.equal(addon.releaseStatus(copy), 'EXTREF_INVALID_ARG');
  assert.equal(addon.stats().liveBorrows, base.liveBorrows);
  assert.equal(addon.stats().takes, base.takes + 1);
  addon.borrowForget(copy);
});

test('release_stale_copy_after_payload_dropped_is_invalid_arg',
  async () => {
    await collect();
    const before = snapshot();
    let copy;
    (() => {
      const x = addon.create('counter', 4);
      const id = addon.mutRef(x, 'counter');
      copy = addon.borrowCopy(id);
      addon.release(id);
    })();
    await waitForGc(() => addon.counters().drops.counter >
      before.counters.drops.counter, 'the drop');
    // Reuse the slot, so that a check by address alone would be fooled.
    const y = addon.create('counter', 5);
    assert.equal(addon.releaseStatus(copy), 'EXTREF_INVALID_ARG');
    addon.borrowForget(copy);
    assert.equal(addon.stats().liveBorrows, before.stats.liveBorrows);
    addon.release(addon.mutRef(y, 'counter'));
  });

test('stale_copy_does_not_release_a_live_borrow_of_another_kind', () => {
  // Shared borrow released, its copy kept; an exclusive borrow now live.
  const x = addon.create('counter', 6);
  const base = addon.stats().liveBorrows;
  const s = addon.ref(x, 'counter');
  const copy = addon.borrowCopy(s);
  addon.release(s);
  const m = addon.mutRef(x, 'counter');
  assert.equal(addon.releaseStatus(copy), 'EXTREF_INVALID_ARG');
  assert.equal(addon.stats().liveBorrows, base + 1);
  addon.release(m);
  assert.equal(addon.stats().liveBorrows, base);
  addon.borrowForget(copy);
});

test('hold_released_twice_is_invalid_arg_and_counts_stay', () => {
  const x = addon.create('send', 7);
  const base = addon.stats().liveHolds;
  assert.equal(addon.probe('hold_release', 'stale', x, 'send'),
    'EXTREF_INVALID_ARG');
  assert.equal(addon.stats().liveHolds, base);
  assert.equal(addon.take(x, 'send'), 7);
});

test('many_double_releases_keep_counts_exact', async () => {
  await collect();
  const before = snapshot();
  const x = addon.create('counter', 8);
  for (let i = 0; i < 5000; i++) {
    const id = addon.ref(x, 'counter');
    const copy = addon.borrowCopy(id);
    assert.equal(addon.releaseStatus(id), 'EXTREF_OK');
    assert.equal(addon.releaseStatus(id), 'EXTREF_INVALID_ARG');
    assert.equal(addon.releaseStatus(copy), 'EXTREF_INVALID_ARG');
    addon.borrowForget(id);
    addon.borrowForget(copy);
  }
  assert.equal(addon.stats().liveBorrows, before.stats.liveBorrows);
  addon.release(addon.mutRef(x, 'counter'));
});
