// Scenario 2: async method on a collected receiver (napi-rs #1338, #2571,
// #3119). napi async work ticks over a payload whose external is
// unreachable while GC runs on a timer: exactly one drop, after the work
// ends.
import {
  test, addon, assert, gc, collect, waitFor, waitForGc, snapshot,
  runtime,
} from './harness.mjs';

const MODE_RELEASE_IN_EXECUTE = 0;
const MODE_RELEASE_IN_COMPLETE = 1;

function start(kind, ms, mode) {
  let weak;
  let finished = false;
  const done = new Promise((resolve) => {
    const ext = addon.create(kind, 31337);
    weak = new WeakRef(ext);
    addon.asyncHold(ext, kind, ms, mode, (r) => {
      finished = true;
      resolve(r);
    });
  });
  return { done, weak, isFinished: () => finished };
}

async function run(t, kind, mode) {
  await collect();
  const before = snapshot();
  const timer = setInterval(() => gc(), 5);
  try {
    const job = start(kind, 800, mode);
    // GC until the receiver is gone; the work must still be running then.
    while (job.weak.deref() !== undefined && !job.isFinished()) {
      await collect(1);
    }
    const finishedEarly = job.isFinished();
    const collectedEarly = job.weak.deref() === undefined;
    const r = await job.done;
    if (!collectedEarly && runtime === 'bun') {
      t.skip('Bun\'s conservative stack scan kept the external alive');
    }
    assert.ok(collectedEarly, 'the receiver was not collected during work');
    assert.equal(finishedEarly, false,
      'the work ended before the receiver was collected');
    assert.equal(r.status, 'EXTREF_OK');
    assert.equal(r.intact, true, 'payload changed during the work');
    assert.equal(r.valueSeen, 31337);
    assert.ok(r.ticks > 10, `only ${r.ticks} ticks`);
    assert.equal(r.release, 'EXTREF_OK');
    assert.equal(r.dropsBefore, before.counters.drops.total,
      'dropped before the work ended');
    return { before, r };
  } finally {
    clearInterval(timer);
  }
}

test('collected_receiver_dropped_once_after_work_releases_off_thread',
  async (t) => {
    const { before, r } = await run(t, 'send', MODE_RELEASE_IN_EXECUTE);
    assert.equal(r.dropsAfter, before.counters.drops.total + 1);
    await collect();
    const after = snapshot();
    assert.equal(after.counters.drops.send, before.counters.drops.send + 1);
    assert.equal(after.counters.dropsEnvNull.send,
      before.counters.dropsEnvNull.send + 1, 'off-thread drop had an env');
    assert.equal(after.counters.doubleDrops, 0);
    assert.equal(after.stats.liveHolds, before.stats.liveHolds);
    assert.equal(after.stats.livePayloads, before.stats.livePayloads);
  });

test('collected_receiver_dropped_once_when_complete_releases_on_js_thread',
  async (t) => {
    const { before, r } = await run(t, 'send', MODE_RELEASE_IN_COMPLETE);
    assert.equal(r.dropsAfter, before.counters.drops.total + 1);
    await collect();
    const after = snapshot();
    assert.equal(after.counters.drops.send, before.counters.drops.send + 1);
    assert.equal(after.counters.dropsEnv.send,
      before.counters.dropsEnv.send + 1, 'JS-thread drop got no env');
    assert.equal(after.counters.doubleDrops, 0);
  });

test('js_drop_type_released_off_thread_is_dropped_on_the_js_thread',
  async (t) => {
    const { before } = await run(t, 'jsdrop', MODE_RELEASE_IN_EXECUTE);
    await waitFor(() => addon.counters().drops.jsdrop >
      before.counters.drops.jsdrop, 'the queued drop', 5000);
    await collect();
    const after = snapshot();
    assert.equal(after.counters.drops.jsdrop,
      before.counters.drops.jsdrop + 1);
    assert.equal(after.counters.dropsEnv.jsdrop,
      before.counters.dropsEnv.jsdrop + 1, 'JS_DROP drop ran without env');
    assert.equal(after.counters.dropsEnvNull.jsdrop,
      before.counters.dropsEnvNull.jsdrop);
    assert.equal(after.counters.doubleDrops, 0);
  });

test('thread_bound_payload_async_work_without_borrows_drops_on_js_thread',
  async () => {
    // A thread-bound hold may not be touched off-thread: the work only
    // keeps it, the complete callback releases it on the JS thread.
    await collect();
    const before = snapshot();
    const r = await new Promise((resolve) => {
      const ext = addon.create('counter', 5);
      addon.asyncHold(ext, 'counter', 100, MODE_RELEASE_IN_COMPLETE, resolve);
    });
    assert.equal(r.status, 'EXTREF_OK');
    assert.equal(r.release, 'EXTREF_OK');
    await waitForGc(() => addon.counters().drops.counter >
      before.counters.drops.counter, 'the drop', 5000);
    const after = snapshot();
    assert.equal(after.counters.drops.counter,
      before.counters.drops.counter + 1);
    assert.equal(after.counters.dropsEnv.counter,
      before.counters.dropsEnv.counter + 1);
    assert.equal(after.counters.doubleDrops, 0);
  });
