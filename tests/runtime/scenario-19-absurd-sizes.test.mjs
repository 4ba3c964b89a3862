// Scenario 19: absurd external_bytes. Over 2^50 bytes for one payload is
// EXTREF_INVALID_ARG with nothing announced (on 1.0, 2^60 is passed to the
// engine and V8 aborts: "Check failed: kMinReasonableBytes <=
// change_in_bytes"); exactly 2^50 is accepted. A per-env running total that
// would reach 2^60 is EXTREF_OVERFLOW: of payloads of 2^50 bytes each, 1023
// are accepted and the 1024th refused. stats' external_bytes (read exactly,
// as a BigInt) is never negative and back to 0 once all are taken or
// collected. Each case runs in a child process of the same runtime, so an
// engine abort is a failure here.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { test, assert, runtime, addonPath, here } from './harness.mjs';

function childArgs(file, ...args) {
  if (runtime === 'deno') {
    return ['run', '--allow-all', '--v8-flags=--expose-gc', file, ...args];
  }
  if (runtime === 'node') return ['--expose-gc', file, ...args];
  return [file, ...args];
}

function runChild(...args) {
  const res = spawnSync(process.execPath,
    childArgs(here + 'fixtures/sizes-child.mjs', addonPath, ...args),
    { encoding: 'utf8', timeout: 120000 });
  const line = (res.stdout || '').split('\n')
    .find((l) => l.startsWith('result '));
  const how = res.signal ? `killed by ${res.signal}` : `exit ${res.status}`;
  const fatal = [...new Set((res.stderr || '').split('\n')
    .filter((l) => /Check failed|FATAL|panic|Segmentation/i.test(l))
    .map((l) => l.trim()))].slice(0, 2).join(' | ');
  return { res, how, fatal, result: line ? JSON.parse(line.slice(7)) : null };
}

function assertAlive(what, r) {
  assert.equal(r.res.error, undefined, `spawn failed: ${r.res.error}`);
  assert.ok(r.res.signal === null && r.res.status === 0,
    `${what}: the process died (${r.how})${r.fatal ? `: ${r.fatal}` : ''}`);
  assert.ok(r.result, `${what}: no result line:\n${r.res.stdout}`);
}

const P50 = 2n ** 50n;
for (const [name, bytes] of [
  ['2_50_plus_1', P50 + 1n],
  ['2_60', 2n ** 60n],
  ['2_62', 2n ** 62n],
  ['int64_max', 2n ** 63n - 1n],
]) {
  test(`external_bytes_${name}_is_invalid_arg_process_alive`, (t) => {
    const r = runChild('one', bytes.toString());
    t.log(`${runtime}: external_bytes ${name}: ${r.how}` +
      (r.result ? `, ${r.result.code}, stats external_bytes ` +
        `${r.result.during}` : '') + (r.fatal ? `: ${r.fatal}` : ''));
    assertAlive(name, r);
    assert.equal(r.result.code, 'EXTREF_INVALID_ARG',
      `external_bytes ${bytes} was ${r.result.code}`);
    assert.equal(r.result.during, r.result.before, 'bytes were counted');
    assert.equal(r.result.after, '0');
  });
}

test('external_bytes_exactly_2_50_is_accepted', () => {
  const r = runChild('one', P50.toString());
  assertAlive('2^50', r);
  assert.equal(r.result.code, 'OK');
  assert.equal(BigInt(r.result.during), BigInt(r.result.before) + P50);
  assert.equal(r.result.after, '0');
});

test('running_total_reaching_2_60_per_env_is_overflow', (t) => {
  const r = runChild('many', '1100');
  t.log(`${runtime}: 2^50 bytes each: ${r.how}` + (r.result
    ? `, ${r.result.accepted} accepted, then ${r.result.stop}; ` +
      `external_bytes max ${r.result.max}, min ${r.result.min}, after ` +
      `${r.result.after}` : '') + (r.fatal ? `: ${r.fatal}` : ''));
  assertAlive('2^50 each', r);
  assert.equal(r.result.stop, 'EXTREF_OVERFLOW',
    `after ${r.result.accepted} accepted the next was ${r.result.stop}`);
  assert.equal(r.result.accepted, 1023);
  assert.ok(BigInt(r.result.min) >= 0n, `external_bytes went negative: ` +
    `${r.result.min}`);
  assert.equal(BigInt(r.result.max), 1023n * P50);
  assert.equal(r.result.after, '0', 'external_bytes not back to 0');
  assert.equal(r.result.livePayloads, 0);
});
