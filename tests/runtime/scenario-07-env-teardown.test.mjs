// Scenario 7: environment teardown while borrowed (nodejs/node #37236;
// neon #932). A worker_threads Worker whose addon holds a payload from a
// native thread or from napi async work is terminated: no abort, no double
// drop; the held payload is dropped when the native side releases it, with
// env NULL. Also: live payloads at process exit.
import { Worker } from 'node:worker_threads';
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import {
  test, addon, assert, collect, sleep, waitFor, snapshot, runtime,
  addonPath, here,
} from './harness.mjs';

const WORKER = new URL('./fixtures/teardown-worker.mjs', import.meta.url);
const UNHELD = 3;

function startWorker(data) {
  const w = new Worker(WORKER, {
    workerData: { addonPath, unheld: UNHELD, ...data },
  });
  const ready = new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (c) => reject(new Error(`worker exited early: ${c}`)));
  });
  return { w, ready };
}

// Waits for the unheld payloads of a terminated worker to be dropped;
// returns how many were.
async function unheldDropped(kind, before) {
  const want = before.counters.drops[kind] + UNHELD;
  const end = Date.now() + 2000;
  while (addon.counters().drops[kind] < want && Date.now() < end) {
    await collect(1);
  }
  return addon.counters().drops[kind] - before.counters.drops[kind];
}

for (const kind of ['send', 'jsdrop']) {
  for (const spin of [false, true]) {
    const name = `terminate_${spin ? 'busy' : 'idle'}_worker_while_thread_` +
      `holds_${kind}_payload`;
    test(name, async (t) => {
      await collect();
      const before = snapshot();
      const { w, ready } = startWorker({ kind, how: 'thread', spin });
      const { jobId } = await ready;
      await waitFor(() => addon.jobState(jobId).state >= 1, 'the thread');
      await w.terminate();
      const got = await unheldDropped(kind, before);
      if (got === 0 && spin && runtime === 'deno') {
        // Deno runs no env cleanup hook, no instance-data finalizer and no
        // finalizer when it terminates a Worker that is running JS: the
        // library cannot learn that the env is gone, so nothing of it is
        // ever dropped. Still: the release must succeed and drop nothing.
        addon.jobOpen(jobId);
        const r = addon.jobJoin(jobId);
        assert.equal(r.holdRelease, 'EXTREF_OK');
        assert.equal(addon.counters().doubleDrops, 0);
        t.skip('Deno tore down a busy Worker without telling Node-API ' +
          'code (no cleanup hook, no finalizer): its payloads leak');
      }
      assert.equal(got, UNHELD, `${got} of ${UNHELD} unheld payloads ` +
        `dropped after worker.terminate() in ${runtime}`);
      const mid = snapshot();
      assert.equal(mid.counters.drops[kind],
        before.counters.drops[kind] + UNHELD,
        'the held payload was dropped while held');
      assert.equal(mid.counters.doubleDrops, 0);
      addon.jobOpen(jobId);
      const r = addon.jobJoin(jobId);
      assert.equal(r.holdRelease, 'EXTREF_OK');
      assert.equal(r.dropsAfter - r.dropsBefore, 1,
        'the last release did not drop');
      const after = snapshot();
      assert.equal(after.counters.drops[kind],
        before.counters.drops[kind] + UNHELD + 1);
      assert.ok(after.counters.dropsEnvNull[kind] >=
        before.counters.dropsEnvNull[kind] + 1,
        'the held payload was not dropped with env NULL');
      assert.equal(after.counters.doubleDrops, 0);
      assert.equal(after.counters.badMagic, 0);
      assert.equal(after.stats.liveHolds, before.stats.liveHolds);
      assert.equal(after.stats.livePayloads, before.stats.livePayloads);
    });
  }
}

test('terminate_worker_while_async_work_holds_payload', async (t) => {
  await collect();
  const before = snapshot();
  const { w, ready } = startWorker({ kind: 'send', how: 'async' });
  await ready;
  const t0 = Date.now();
  await w.terminate();
  const ms = Date.now() - t0;
  await waitFor(() => addon.counters().drops.send >=
    before.counters.drops.send + UNHELD + 1, 'all drops', 5000)
    .catch(() => {});
  await sleep(50);
  const after = snapshot();
  assert.equal(after.counters.drops.send,
    before.counters.drops.send + UNHELD + 1,
    `${after.counters.drops.send - before.counters.drops.send} drops, ` +
    `want ${UNHELD + 1}`);
  // Node's terminate() waits for queued async work, so the work's release
  // is not the last: the payload drops at env teardown. Either way once.
  t.log(`${runtime}: terminate() took ${ms} ms; the held payload dropped ` +
    `with env ${after.counters.dropsEnvNull.send >
      before.counters.dropsEnvNull.send ? 'NULL' : 'set'}`);
  assert.equal(after.counters.doubleDrops, 0);
  assert.equal(after.stats.liveHolds, before.stats.liveHolds);
  assert.equal(after.stats.livePayloads, before.stats.livePayloads);
});

function childArgs(file, ...args) {
  if (runtime === 'deno') {
    return ['run', '--allow-all', '--v8-flags=--expose-gc', file, ...args];
  }
  return [file, ...args];
}

// process.exit() in Node tears nothing down (no finalizers, no env cleanup
// hooks: DefaultProcessExitHandler exits right away), so nothing is dropped
// there; falling off the end of the script runs FreeEnvironment, which must
// drop every unheld payload once.
for (const how of ['exit', 'end']) {
  test(`live_payloads_at_process_${how}_no_abort_no_double_drop`, (t) => {
    const n = 5;
    const res = spawnSync(process.execPath,
      childArgs(here + 'fixtures/exit-child.mjs', addonPath, String(n), how),
      { encoding: 'utf8', timeout: 20000 });
    assert.equal(res.signal, null, `child killed by ${res.signal}: ` +
      res.stderr);
    assert.equal(res.status, 0, `child exit ${res.status}: ${res.stderr}`);
    assert.match(res.stdout, /ready 5/);
    const drops = res.stdout.split('\n')
      .filter((l) => l.startsWith('extref-test drop'));
    const ids = drops.map((l) => / id=(\d+)/.exec(l)[1]);
    assert.equal(new Set(ids).size, ids.length, 'a payload dropped twice');
    assert.ok(drops.length <= n, 'the held payload was dropped');
    t.log(`${runtime}: ${drops.length} of ${n} unheld payloads dropped at ` +
      `process ${how}`);
    if (how === 'exit') return;
    if (drops.length === 0 && runtime === 'bun') {
      t.skip('Bun ran no drop at the end of the process');
    }
    assert.equal(drops.length, n, `${drops.length} drops at exit, want ` +
      `${n} (the held one must not drop):\n${res.stdout}`);
  });
}
