// Scenario 14: a JS_DROP payload whose drop, given an env, makes Node-API
// calls that create handles (napi_create_object; napi_get_reference_value
// and napi_delete_reference on a reference made at create time) is still
// alive when its env ends: worker.terminate(), a Worker that finishes, the
// main script falling off its end. The drop must run exactly once and never
// abort the process: it either gets env NULL or runs with a handle scope
// open (1.1). A payload held by native code across the teardown is dropped
// at the hold's release, with env NULL.
//
// Each case runs in a child process of the same runtime: on 1.0 Node aborts
// in the drop ("FATAL ERROR: v8::HandleScope::CreateHandle() Cannot create
// a handle without a HandleScope", SIGABRT), which must show as a failure
// here and not kill the test runner.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { test, assert, runtime, addonPath, here } from './harness.mjs';

function childArgs(file, ...args) {
  if (runtime === 'deno') {
    return ['run', '--allow-all', '--v8-flags=--expose-gc', file, ...args];
  }
  return [file, ...args];
}

function runChild(mode) {
  const res = spawnSync(process.execPath,
    childArgs(here + 'fixtures/napidrop-child.mjs', addonPath, mode),
    { encoding: 'utf8', timeout: 30000 });
  const lines = (res.stdout || '').split('\n');
  const drops = lines.filter((l) => l.startsWith('extref-test napidrop '));
  // Drops entered (written before the drop's Node-API calls).
  const entered = lines.filter((l) => l.startsWith('extref-test napidrop-enter'))
    .map((l) => / env=(\w+)/.exec(l)[1]);
  const resultLine = lines.find((l) => l.startsWith('result '));
  const result = resultLine ? JSON.parse(resultLine.slice(7)) : null;
  const fatal = [...new Set((res.stderr || '').split('\n')
    .filter((l) => /FATAL ERROR|Check failed|Segmentation|panic/i.test(l))
    .map((l) => l.trim()))].slice(0, 2).join(' | ');
  return { res, drops, entered, result, fatal };
}

function envOf(line) {
  const m = / env=(\w+) create_object=(-?\d+) get_reference=(-?\d+) (delete_reference=-?\d+)/.exec(line);
  return m ? `env=${m[1]} create_object=${m[2]} get_reference=${m[3]} ${m[4]}`
    : line;
}

// Which env the drops were entered with, when a drop did not finish.
function entered(r) {
  return r.entered.length > r.drops.length
    ? `; drop entered with env=${r.entered.join(',')} and did not return`
    : '';
}

function assertAlive(mode, { res, fatal }) {
  assert.equal(res.error, undefined, `${mode}: spawn failed: ${res.error}`);
  assert.ok(res.signal === null && res.status === 0,
    `${mode}: the child process died: status ${res.status}, signal ` +
    `${res.signal}${fatal ? `: ${fatal}` : ''}\n${res.stderr.slice(0, 600)}`);
}

function assertOneDrop(mode, drops) {
  const ids = drops.map((l) => / id=(\d+)/.exec(l)[1]);
  assert.equal(new Set(ids).size, ids.length, `${mode}: a payload dropped ` +
    `twice:\n${drops.join('\n')}`);
  assert.equal(drops.length, 1, `${mode}: ${drops.length} drops, want 1`);
}

// A drop given an env must have had working Node-API calls.
function assertCallsWorked(mode, drops) {
  for (const l of drops) {
    if (/ env=js /.test(l)) {
      assert.match(l, /create_object=0 get_reference=0 delete_reference=0/,
        `${mode}: a drop with env set could not use Node-API: ${l}`);
    }
  }
}

for (const [mode, what] of [
  ['terminate', 'worker_terminate'],
  ['finish', 'worker_finishes'],
]) {
  test(`napi_calling_drop_at_${what}_runs_once_no_abort`, (t) => {
    const r = runChild(mode);
    t.log(`${runtime}: ${mode}: exit ${r.res.status} signal ${r.res.signal}` +
      (r.drops.length ? `; drop ${r.drops.map(envOf).join('; ')}`
        : '; no drop line') + entered(r) + (r.fatal ? `; ${r.fatal}` : ''));
    assertAlive(mode, r);
    assert.ok(r.result, `${mode}: no result line:\n${r.res.stdout}`);
    assertOneDrop(mode, r.drops);
    assert.equal(r.result.counters.drops.napidrop, 1);
    assert.equal(r.result.counters.doubleDrops, 0);
    assert.equal(r.result.counters.badMagic, 0);
    assert.equal(r.result.calls.failed, 0, 'Node-API calls failed in a drop');
    assertCallsWorked(mode, r.drops);
    assert.equal(r.result.stats.livePayloads, 0);
  });
}

test('napi_calling_drop_at_main_script_end_runs_once_no_abort', (t) => {
  const r = runChild('end');
  t.log(`${runtime}: end: exit ${r.res.status} signal ${r.res.signal}` +
    (r.drops.length ? `; drop ${r.drops.map(envOf).join('; ')}`
      : '; no drop line') + entered(r) + (r.fatal ? `; ${r.fatal}` : ''));
  assertAlive('end', r);
  assert.match(r.res.stdout, /^ready$/m);
  if (r.drops.length === 0 && runtime === 'bun') {
    t.skip('Bun ran no drop at the end of the main script (exit 0, no abort)');
  }
  assertOneDrop('end', r.drops);
  assertCallsWorked('end', r.drops);
});

for (const [mode, what] of [
  ['hold-terminate', 'worker_terminate'],
  ['hold-finish', 'worker_finishes'],
]) {
  test(`napi_calling_drop_held_across_${what}_drops_at_release_env_null`,
    (t) => {
      const r = runChild(mode);
      t.log(`${runtime}: ${mode}: exit ${r.res.status} signal ` +
        `${r.res.signal}` + (r.drops.length
        ? `; drop ${r.drops.map(envOf).join('; ')}` : '; no drop line') +
        entered(r) + (r.fatal ? `; ${r.fatal}` : ''));
      assertAlive(mode, r);
      assert.ok(r.result, `${mode}: no result line:\n${r.res.stdout}`);
      assert.equal(r.result.mid.drops, 0,
        `${mode}: the held payload was dropped at teardown, while held`);
      assert.equal(r.result.job.holdRelease, 'EXTREF_OK');
      assert.equal(r.result.job.dropsAfter - r.result.job.dropsBefore, 1,
        'the hold release did not drop');
      assertOneDrop(mode, r.drops);
      assert.match(r.drops[0], / env=null /,
        `${mode}: the drop after the env ended got an env`);
      assert.equal(r.result.counters.dropsEnvNull.napidrop, 1);
      assert.equal(r.result.counters.doubleDrops, 0);
      assert.equal(r.result.stats.liveHolds, 0);
      assert.equal(r.result.stats.livePayloads, 0);
    });
}
