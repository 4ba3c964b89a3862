// Scenario 15: the module that owns a type is unloaded while a payload of
// that type is still held. A second addon (build/extref_owner.node) defines
// its own SEND type, descriptor and drop, and is loaded only inside a
// Worker; there a payload of its type is made and held, and the hold is
// handed to the main test addon (a process-wide stash). The Worker ends, so
// Node dlclose()s the owner addon with its env. Then a native thread of the
// main thread releases the hold: the owner's drop must run exactly once and
// nothing may crash (1.1: the library keeps a type's owner module loaded
// while it has payloads). On 1.0 the drop is called through the unmapped
// descriptor: SIGSEGV.
//
// Runs in a child process of the same runtime, so a crash is a failure here.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { test, assert, runtime, addonPath, here } from './harness.mjs';

const ownerPath = here + 'build/extref_owner.node';

function childArgs(file, ...args) {
  if (runtime === 'deno') {
    return ['run', '--allow-all', '--v8-flags=--expose-gc', file, ...args];
  }
  return [file, ...args];
}

function jsonLine(stdout, tag) {
  const l = stdout.split('\n').find((x) => x.startsWith(tag + ' '));
  return l ? JSON.parse(l.slice(tag.length + 1)) : null;
}

test('held_payload_of_worker_only_addon_drops_once_after_unload', (t) => {
  const res = spawnSync(process.execPath,
    childArgs(here + 'fixtures/owner-child.mjs', addonPath, ownerPath),
    { encoding: 'utf8', timeout: 30000 });
  const maps = jsonLine(res.stdout || '', 'maps');
  const result = jsonLine(res.stdout || '', 'result');
  const how = res.signal ? `killed by ${res.signal}` : `exit ${res.status}`;
  t.log(`${runtime}: owner addon mapped while the Worker ran: ` +
    `${maps ? maps.whileAlive : '?'}; after the Worker ended: ` +
    `${maps ? maps.afterExit : '?'} (` +
    `${maps && !maps.afterExit ? 'unloaded' : 'still loaded'}); ` +
    `release from a native thread: ${how}` +
    (result ? `, ${result.status}, owner drops ${result.ownerDrops}` : ''));
  assert.equal(res.error, undefined, `spawn failed: ${res.error}`);
  assert.ok(maps, `the child did not get to the release (${how}):\n` +
    `${res.stdout}\n${res.stderr.slice(0, 800)}`);
  assert.equal(maps.before.ownerDrops, 0,
    'the held payload was dropped before its hold was released');
  assert.equal(maps.before.stats.liveHolds, 1);
  assert.ok(res.signal === null && res.status === 0,
    `the process died releasing the hold of an unloaded addon's type ` +
    `(${how}; owner addon ${maps.afterExit ? 'still mapped' : 'unmapped'} ` +
    `after the Worker ended):\n${res.stderr.slice(0, 800)}`);
  assert.ok(result, `no result line:\n${res.stdout}`);
  assert.equal(result.status, 'EXTREF_OK');
  assert.equal(result.ownerDrops, 1, 'the owner\'s drop did not run once');
  assert.equal(result.stats.liveHolds, 0);
  assert.equal(result.stats.livePayloads, 0);
});
