// Scenario 1: GC while native code still uses the payload (napi-rs #1994).
// JS hands an external to native code that keeps using it from another
// thread, drops every reference and forces GC 100 times. The payload must
// stay alive and intact until the hold or borrow ends; then exactly one
// drop, off the JS thread, with env NULL.
import {
  test, addon, assert, gc, collect, tick, waitFor, snapshot, runtime,
} from './harness.mjs';

// Makes the external in a frame of its own so no local keeps it alive.
function startJob(op, kind, value) {
  const ext = addon.create(kind, value);
  const weak = new WeakRef(ext);
  const job = addon.jobStart(op, ext, kind, 0);
  return { weak, job };
}

async function gcHundredTimes() {
  for (let i = 0; i < 100; i++) {
    gc();
    if (i % 10 === 9) await tick();
  }
  await collect();
}

function checkCollected(t, weak) {
  if (weak.deref() !== undefined) {
    if (runtime === 'bun') {
      t.skip('Bun\'s conservative stack scan kept the external alive');
    }
    assert.fail('the external was not collected after 100 GCs');
  }
}

for (const [op, what] of [['ref', 'a shared borrow'],
  ['mut', 'an exclusive borrow'], ['tick', 'repeated borrows']]) {
  test(`payload_survives_100_gcs_while_${op}_on_another_thread`,
    async (t) => {
      await collect();
      const before = snapshot();
      const { weak, job } = startJob(op, 'send', 4242);
      await waitFor(() => addon.jobState(job).state >= 1, 'the thread');
      await gcHundredTimes();
      checkCollected(t, weak);
      const mid = snapshot();
      assert.equal(mid.counters.drops.total, before.counters.drops.total,
        `dropped while ${what} was live`);
      assert.equal(mid.stats.livePayloads, before.stats.livePayloads + 1);
      addon.jobOpen(job);
      const r = addon.jobJoin(job);
      assert.equal(r.acquire, 'EXTREF_OK');
      assert.equal(r.intact, true, 'payload changed under the borrow');
      if (op !== 'tick') assert.equal(r.valueSeen, 4242);
      assert.ok(r.ticks > 0);
      if (op === 'tick') {
        assert.ok(r.successes > 0);
        assert.deepEqual(r.refusals, {});
      }
      assert.equal(r.release, 'EXTREF_OK');
      assert.equal(r.holdRelease, 'EXTREF_OK');
      assert.equal(r.dropsBefore, before.counters.drops.total,
        'dropped before the last owner ended');
      assert.equal(r.dropsAfter, before.counters.drops.total + 1,
        'the last release did not drop');
      await collect();
      const after = snapshot();
      assert.equal(after.counters.drops.send,
        before.counters.drops.send + 1, 'exactly one drop');
      assert.equal(after.counters.dropsEnvNull.send,
        before.counters.dropsEnvNull.send + 1, 'drop off-thread has env');
      assert.equal(after.counters.doubleDrops, 0);
      assert.equal(after.counters.badMagic, 0);
      assert.equal(after.stats.deferredDrops,
        before.stats.deferredDrops + 1, 'not counted as deferred');
      assert.equal(after.stats.liveHolds, before.stats.liveHolds);
      assert.equal(after.stats.liveBorrows, before.stats.liveBorrows);
      assert.equal(after.stats.livePayloads, before.stats.livePayloads);
    });
}

test('hold_only_keeps_payload_through_gc_then_one_drop', async (t) => {
  await collect();
  const before = snapshot();
  const { weak, job } = startJob('hold', 'send', 7);
  await waitFor(() => addon.jobState(job).state >= 1, 'the thread');
  await gcHundredTimes();
  checkCollected(t, weak);
  assert.equal(addon.counters().drops.total, before.counters.drops.total);
  addon.jobOpen(job);
  const r = addon.jobJoin(job);
  assert.equal(r.holdRelease, 'EXTREF_OK');
  assert.equal(r.dropsAfter - r.dropsBefore, 1);
  await collect();
  const after = snapshot();
  assert.equal(after.counters.drops.send, before.counters.drops.send + 1);
  assert.equal(after.counters.doubleDrops, 0);
});

test('unheld_external_is_dropped_by_gc_exactly_once', async (t) => {
  await collect();
  const before = snapshot();
  let weak;
  (() => {
    weak = new WeakRef(addon.create('counter', 1));
  })();
  await gcHundredTimes();
  checkCollected(t, weak);
  const after = snapshot();
  assert.equal(after.counters.drops.counter,
    before.counters.drops.counter + 1);
  assert.equal(after.counters.dropsEnv.counter,
    before.counters.dropsEnv.counter + 1, 'a GC drop on the JS thread ' +
    'must get the env');
  assert.equal(after.stats.deferredDrops, before.stats.deferredDrops);
  assert.equal(after.counters.doubleDrops, 0);
});
