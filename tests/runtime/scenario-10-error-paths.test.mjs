// Scenario 10: error paths release everything (napi-rs #3086, #2104).
// Async calls that fail right away, 10,000 times: afterwards
// extref_stats_get shows no live borrow or hold left behind.
import {
  test, addon, assert, expectCode, codeOf, collect, snapshot,
} from './harness.mjs';

const TIMES = 10000;
const MODE_FAIL_IN_EXECUTE = 2;
const MODE_BORROW_ON_JS_THREAD = 3;

function asyncCall(x, kind, mode) {
  return new Promise((resolve) => addon.asyncHold(x, kind, 0, mode, resolve));
}

test('async_calls_failing_in_execute_10000_times_leave_nothing_live',
  async () => {
    await collect();
    const before = snapshot();
    const x = addon.create('send', 1);
    const id = addon.ref(x, 'send'); // makes every exclusive borrow fail
    const statuses = {};
    for (let done = 0; done < TIMES; done += 500) {
      const rs = await Promise.all(Array.from({ length: 500 },
        () => asyncCall(x, 'send', MODE_FAIL_IN_EXECUTE)));
      for (const r of rs) {
        statuses[r.status] = (statuses[r.status] || 0) + 1;
        assert.equal(r.release, 'EXTREF_OK');
      }
    }
    assert.deepEqual(statuses, { EXTREF_BORROWED: TIMES });
    const mid = addon.stats();
    assert.equal(mid.liveHolds, before.stats.liveHolds);
    assert.equal(mid.liveBorrows, before.stats.liveBorrows + 1);
    addon.release(id);
    const after = snapshot();
    assert.equal(after.stats.liveBorrows, before.stats.liveBorrows);
    assert.equal(after.stats.liveHolds, before.stats.liveHolds);
    assert.equal(after.counters.drops.total, before.counters.drops.total);
  });

test('async_calls_refused_before_queueing_10000_times_leave_nothing_live',
  async () => {
    await collect();
    const before = snapshot();
    const taken = addon.create('send', 2);
    addon.take(taken, 'send');
    const foreign = addon.foreign('byte');
    const busy = addon.create('send', 3);
    const m = addon.mutRef(busy, 'send');
    const cases = [
      [taken, 'send', 'EXTREF_TAKEN'],
      [foreign, 'send', 'EXTREF_FOREIGN'],
      [42, 'send', 'EXTREF_NOT_EXTERNAL'],
      [busy, 'jsdrop', 'EXTREF_TYPE_MISMATCH'],
    ];
    for (let i = 0; i < TIMES; i++) {
      const [v, k, code] = cases[i % cases.length];
      expectCode(() => addon.asyncHold(v, k, 0, 0, () => {}), code);
      const c = codeOf(() => addon.jobStart('hold', v, k, 1));
      assert.equal(c, code);
      assert.equal(codeOf(() => addon.mutRef(busy, 'send')),
        'EXTREF_MUT_BORROWED');
    }
    addon.release(m);
    const after = snapshot();
    assert.equal(after.stats.liveBorrows, before.stats.liveBorrows);
    assert.equal(after.stats.liveHolds, before.stats.liveHolds);
    assert.equal(after.stats.livePayloads, before.stats.livePayloads + 1);
  });

test('js_thread_borrows_through_holds_10000_async_calls_balance',
  async () => {
    await collect();
    const before = snapshot();
    const x = addon.create('counter', 4);
    const m = addon.mutRef(x, 'counter');
    // Each call takes a hold, its borrow fails (exclusive borrow live),
    // and the hold is released in the complete callback.
    for (let done = 0; done < TIMES; done += 1000) {
      const rs = await Promise.all(Array.from({ length: 1000 },
        () => asyncCall(x, 'counter', MODE_BORROW_ON_JS_THREAD)));
      for (const r of rs) {
        assert.equal(r.status, 'EXTREF_MUT_BORROWED');
        assert.equal(r.release, 'EXTREF_OK');
      }
    }
    addon.release(m);
    const after = snapshot();
    assert.equal(after.stats.liveBorrows, before.stats.liveBorrows);
    assert.equal(after.stats.liveHolds, before.stats.liveHolds);
  });

test('failing_borrows_and_holds_on_js_thread_10000_times_balance',
  async () => {
    await collect();
    const before = snapshot();
    const x = addon.create('counter', 5);
    const s = addon.ref(x, 'counter');
    for (let i = 0; i < TIMES; i++) {
      const h = addon.hold(x, 'counter');
      expectCode(() => addon.holdMutRef(h), 'EXTREF_BORROWED');
      expectCode(() => addon.cloneOut(x, 'counter', 1), 'EXTREF_BAD_SIZE');
      expectCode(() => addon.take(x, 'counter'), 'EXTREF_BORROWED');
      addon.holdRelease(h);
    }
    addon.release(s);
    const nc = addon.create('noclone', 6);
    const fc = addon.create('failclone', 7);
    for (let i = 0; i < 1000; i++) {
      expectCode(() => addon.cloneOut(nc, 'noclone'), 'EXTREF_NOT_CLONEABLE');
      expectCode(() => addon.cloneOut(fc, 'failclone'),
        'EXTREF_CLONE_FAILED');
    }
    const after = snapshot();
    assert.equal(after.stats.liveBorrows, before.stats.liveBorrows);
    assert.equal(after.stats.liveHolds, before.stats.liveHolds);
    // Both can still be borrowed exclusively: no stuck shared count.
    addon.release(addon.mutRef(nc, 'noclone'));
    addon.release(addon.mutRef(fc, 'failclone'));
    addon.release(addon.mutRef(x, 'counter'));
  });
