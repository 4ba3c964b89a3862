// Scenario 5: a native thread holds a borrow while JS asks for exclusive
// access (PyO3 #2525, #4265): a deterministic EXTREF_BORROWED on the JS
// thread whose message says the borrow is on another thread, and the
// thread's release (off the JS thread, no env) succeeds.
import {
  test, addon, assert, expectCode, waitFor, collect, snapshot,
  onOtherThread,
} from './harness.mjs';

const OTHER_THREAD = onOtherThread;

async function started(op, x, kind, ...rest) {
  const job = addon.jobStart(op, x, kind, 0, ...rest);
  await waitFor(() => addon.jobState(job).state >= 1, 'the thread');
  return job;
}

test('mut_ref_refused_while_thread_holds_shared_borrow', async () => {
  const x = addon.create('send', 11);
  const base = addon.stats();
  const job = await started('ref', x, 'send');
  for (let i = 0; i < 100; i++) {
    expectCode(() => addon.mutRef(x, 'send'), 'EXTREF_BORROWED',
      OTHER_THREAD);
    // Both a borrow and a hold are live: either refusal is right.
    let err = null;
    try {
      addon.take(x, 'send');
    } catch (e) {
      err = e;
    }
    assert.ok(err && (err.code === 'EXTREF_BORROWED' ||
      err.code === 'EXTREF_HELD'), String(err && err.code));
    if (err.code === 'EXTREF_BORROWED') onOtherThread(err.message);
  }
  // Shared access from JS is still fine.
  const id = addon.ref(x, 'send');
  assert.equal(addon.borrowRead(id), 11);
  addon.release(id);
  addon.jobOpen(job);
  const r = addon.jobJoin(job);
  assert.equal(r.acquire, 'EXTREF_OK');
  assert.equal(r.release, 'EXTREF_OK', 'off-thread release failed');
  assert.equal(r.holdRelease, 'EXTREF_OK');
  assert.equal(r.intact, true);
  const after = addon.stats();
  assert.equal(after.liveBorrows, base.liveBorrows);
  assert.equal(after.liveHolds, base.liveHolds);
  const m = addon.mutRef(x, 'send');
  addon.borrowWrite(m, 12);
  addon.release(m);
  assert.equal(addon.cloneOut(x, 'send'), 12);
});

test('ref_refused_while_thread_holds_exclusive_borrow', async () => {
  const x = addon.create('send', 21);
  const job = await started('mut', x, 'send');
  expectCode(() => addon.ref(x, 'send'), 'EXTREF_MUT_BORROWED',
    OTHER_THREAD);
  expectCode(() => addon.mutRef(x, 'send'), 'EXTREF_MUT_BORROWED',
    OTHER_THREAD);
  expectCode(() => addon.cloneOut(x, 'send'), 'EXTREF_MUT_BORROWED');
  addon.jobOpen(job);
  const r = addon.jobJoin(job);
  assert.equal(r.acquire, 'EXTREF_OK');
  assert.equal(r.release, 'EXTREF_OK');
  // The thread added one under its exclusive borrow.
  assert.equal(addon.cloneOut(x, 'send'), 22);
});

test('thread_borrow_refused_while_js_holds_exclusive_borrow', async () => {
  const x = addon.create('send', 31);
  const id = addon.mutRef(x, 'send');
  const job = await started('ref', x, 'send');
  addon.jobOpen(job);
  const r = addon.jobJoin(job);
  assert.equal(r.acquire, 'EXTREF_MUT_BORROWED');
  assert.equal(r.holdRelease, 'EXTREF_OK');
  addon.release(id);
});

test('thread_bound_payload_refuses_every_off_thread_access', async () => {
  await collect();
  const before = snapshot();
  const x = addon.create('counter', 41);
  const bid = addon.ref(x, 'counter');
  const job = addon.jobStart('wrong', x, 'counter', 0, 0, bid);
  const r = addon.jobJoin(job);
  assert.equal(r.wrongRef, 'EXTREF_WRONG_THREAD');
  assert.equal(r.wrongMut, 'EXTREF_WRONG_THREAD');
  assert.equal(r.wrongDup, 'EXTREF_WRONG_THREAD');
  assert.equal(r.wrongClone, 'EXTREF_WRONG_THREAD');
  assert.equal(r.wrongBorrowRelease, 'EXTREF_WRONG_THREAD');
  assert.equal(r.wrongRelease, 'EXTREF_WRONG_THREAD');
  // Both stayed live and are released on the creating thread.
  assert.equal(typeof r.hold, 'number', 'the hold was not kept');
  assert.equal(addon.stats().liveBorrows, before.stats.liveBorrows + 1);
  assert.equal(addon.stats().liveHolds, before.stats.liveHolds + 1);
  addon.release(bid);
  addon.holdRelease(r.hold);
  const after = snapshot();
  assert.equal(after.stats.liveBorrows, before.stats.liveBorrows);
  assert.equal(after.stats.liveHolds, before.stats.liveHolds);
  assert.equal(after.counters.drops.total, before.counters.drops.total);
});

test('send_payload_borrowed_on_js_thread_released_on_another', async () => {
  const x = addon.create('send', 51);
  const bid = addon.ref(x, 'send');
  const base = addon.stats().liveBorrows;
  const job = addon.jobStart('wrong', x, 'send', 0, 0, bid);
  const r = addon.jobJoin(job);
  // A SEND type may be borrowed, released and held anywhere.
  assert.equal(r.wrongRef, 'EXTREF_OK');
  assert.equal(r.wrongBorrowRelease, 'EXTREF_OK');
  assert.equal(r.wrongRelease, 'EXTREF_OK');
  assert.equal(addon.stats().liveBorrows, base - 1);
  assert.equal(addon.borrowIsEmpty(bid), true);
  addon.borrowForget(bid);
  addon.release(addon.mutRef(x, 'send'));
});
