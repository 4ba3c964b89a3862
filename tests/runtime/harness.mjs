// The tiny shared harness: the same test files run under Node (node:test),
// Bun and Deno (a small sequential runner that prints TAP like node's).
//
//   import { test, addon, gc, collect, expectCode, runtime } from
//     './harness.mjs';
//   test('name_of_behaviour', async (t) => { ...; t.skip('reason'); });
//
// t.skip(reason) ends the test as skipped; on Node it is a failure (Node
// is the reference runtime: nothing may be skipped there).

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import process from 'node:process';
import { setImmediate as setImmediateCb } from 'node:timers';
import { fileURLToPath } from 'node:url';

export { assert };

export const runtime =
  typeof globalThis.Bun !== 'undefined' ? 'bun'
    : typeof globalThis.Deno !== 'undefined' ? 'deno' : 'node';

// A file path, not a URL's pathname: on Windows that would be /C:/...
export const here = fileURLToPath(new URL('.', import.meta.url));
export const addonPath = here + 'build/extref_test.node';
export const addonCopyPath = here + 'build/extref_test_copy.node';

const require = createRequire(import.meta.url);
export function loadAddon(path = addonPath) {
  return require(path);
}
export const addon = loadAddon();

// ---- Garbage collection -------------------------------------------------

let rawGc = null;
if (runtime === 'bun') {
  rawGc = () => globalThis.Bun.gc(true);
} else if (typeof globalThis.gc === 'function') {
  rawGc = globalThis.gc;
} else if (runtime === 'node') {
  // node --test may not pass --expose-gc on; turn it on late.
  const v8 = await import('node:v8');
  const vm = await import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  rawGc = vm.runInNewContext('gc');
}
export const hasGc = rawGc !== null;

export function gc() {
  if (!rawGc) throw new Error(`no gc() in ${runtime}: run with --expose-gc`);
  rawGc();
}

export const tick = () => new Promise((r) => setImmediateCb(r));
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Several GC turns with the event loop in between, so that finalizers
// deferred to an immediate (Node >= 18) or a microtask can run.
export async function collect(turns = 6) {
  for (let i = 0; i < turns; i++) {
    gc();
    await tick();
    await sleep(1);
  }
}

export async function waitFor(pred, what, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

// waitFor with GC turns in between, for drops that wait on a finalizer.
export async function waitForGc(pred, what, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await collect(1);
  }
}

// ---- Assertions ---------------------------------------------------------

// The `code` of what fn throws, or 'OK'.
export function codeOf(fn) {
  try {
    fn();
    return 'OK';
  } catch (e) {
    return e && e.code ? e.code : `NO_CODE(${e})`;
  }
}

const TYPE_ERRORS = new Set(['EXTREF_NOT_EXTERNAL', 'EXTREF_FOREIGN',
  'EXTREF_TYPE_MISMATCH', 'EXTREF_INVALID_ARG']);

// Asserts that fn throws the library status `code`, as a TypeError or an
// Error as the contract says, with a message matching `message` if given.
// Returns the error.
export function expectCode(fn, code, message) {
  let err = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ${code}, but nothing was thrown`);
  assert.equal(err.code, code, `expected ${code}, got ${err.code}: ` +
    `${err.message}`);
  if (TYPE_ERRORS.has(code)) {
    assert.ok(err instanceof TypeError, `${code} must be a TypeError`);
  } else {
    assert.ok(err instanceof Error && !(err instanceof TypeError),
      `${code} must be an Error, not a TypeError`);
  }
  assert.equal(typeof err.message, 'string');
  assert.ok(err.message.length > 0, 'empty message');
  if (typeof message === 'function') {
    message(err.message);
  } else if (message) {
    assert.match(err.message, message, `message of ${code}`);
  }
  return err;
}

// Message checks for where the conflicting borrow is. A message may name
// both sides with counts ("2 on this thread, 0 on other threads"): the side
// named must have a non-zero count, the other side zero.
function count(msg, re) {
  const m = re.exec(msg);
  return m ? Number(m[1]) : null;
}

export function onThisThread(msg) {
  assert.match(msg, /this thread/i, `no "this thread" in: ${msg}`);
  assert.doesNotMatch(msg, /another thread/i, msg);
  const here = count(msg, /(\d+) on this thread/i);
  const away = count(msg, /(\d+) on other threads?/i);
  if (here !== null) assert.ok(here > 0, msg);
  if (away !== null) assert.equal(away, 0, msg);
}

export function onOtherThread(msg) {
  assert.match(msg, /(another|other) threads?/i, `no other thread in: ${msg}`);
  const here = count(msg, /(\d+) on this thread/i);
  const away = count(msg, /(\d+) on other threads?/i);
  if (away !== null) assert.ok(away > 0, msg);
  if (here !== null) assert.equal(here, 0, msg);
  if (here === null && away === null) {
    assert.doesNotMatch(msg, /this thread/i, msg);
  }
}

// A snapshot of the library's and the addon's counters.
export function snapshot(a = addon) {
  return { stats: a.stats(), counters: a.counters() };
}

// ---- Test registration ---------------------------------------------------

class Skip extends Error {
  constructor(reason) {
    super(reason);
    this.reason = reason;
  }
}

function makeContext(onSkip) {
  return {
    runtime,
    skip(reason) {
      onSkip(reason);
      throw new Skip(reason);
    },
    log(...args) {
      console.log('#', ...args);
    },
  };
}

const TIMEOUT_MS = 120000;
let nodeTest = null;
if (runtime === 'node') nodeTest = (await import('node:test')).test;

const queue = [];
let scheduled = false;

export function test(name, fn) {
  if (nodeTest) {
    nodeTest(name, { timeout: TIMEOUT_MS }, async (nt) => {
      try {
        await fn(makeContext(() => {}));
      } catch (e) {
        if (!(e instanceof Skip)) throw e;
        // Node is the reference: a skip there is a failure.
        throw new Error(`skipped on node (not allowed): ${e.reason}`);
      }
    });
    return;
  }
  queue.push({ name, fn });
  if (!scheduled) {
    scheduled = true;
    setTimeout(runQueue, 0);
  }
}

function withTimeout(p, ms, name) {
  let timer;
  return Promise.race([
    p,
    new Promise((_, rej) => {
      timer = setTimeout(() => rej(new Error(`${name}: timed out`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function runQueue() {
  let pass = 0, fail = 0, skipped = 0, n = 0;
  console.log('TAP version 13');
  for (const { name, fn } of queue) {
    n++;
    let skipReason = null;
    try {
      await withTimeout(
        Promise.resolve().then(() => fn(makeContext((r) => {
          skipReason = r;
        }))), TIMEOUT_MS, name);
      console.log(`ok ${n} - ${name}`);
      pass++;
    } catch (e) {
      if (e instanceof Skip) {
        console.log(`ok ${n} - ${name} # SKIP ${skipReason}`);
        skipped++;
      } else {
        console.log(`not ok ${n} - ${name}`);
        const text = String(e && e.stack ? e.stack : e);
        for (const line of text.split('\n')) console.log(`  # ${line}`);
        fail++;
      }
    }
  }
  console.log(`1..${n}`);
  console.log(`# tests ${n}`);
  console.log(`# pass ${pass}`);
  console.log(`# fail ${fail}`);
  console.log(`# skipped ${skipped}`);
  // Exit explicitly: a Worker or timer left behind must not hang the run.
  process.exit(fail ? 1 : 0);
}
