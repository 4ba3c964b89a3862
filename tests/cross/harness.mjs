// The cross-language tests' harness: the same file runs under Node
// (node:test, counted by reporter.mjs) and under Bun and Deno (a small
// sequential runner here that prints the same lines: "ok: name",
// "FAIL: name", "skip: name (reason)", then "N passed, N failed").
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import process from 'node:process';

export { assert };

export const runtime =
  typeof globalThis.Bun !== 'undefined' ? 'bun'
    : typeof globalThis.Deno !== 'undefined' ? 'deno' : 'node';

const require = createRequire(import.meta.url);

// Loads a .node file by path (the name need not end in .node for Node,
// but it does here for Bun and Deno).
export function load(file) {
  return require(file);
}

let rawGc = null;
if (runtime === 'bun') {
  rawGc = () => globalThis.Bun.gc(true);
} else if (typeof globalThis.gc === 'function') {
  rawGc = globalThis.gc;
} else if (runtime === 'node') {
  const v8 = await import('node:v8');
  const vm = await import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  rawGc = vm.runInNewContext('gc');
} else {
  throw new Error(`${runtime}: no gc(); run with --v8-flags=--expose-gc`);
}

const tick = () => new Promise((r) => setImmediate(r));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// GC turns with the event loop in between (finalizers run from an
// immediate), until done() or the turns run out; returns done().
export async function collect(done = () => false, turns = 20) {
  for (let i = 0; i < turns; i++) {
    rawGc();
    await tick();
    await sleep(1);
    if (done()) return true;
  }
  return done();
}

// Ends a test as skipped: under Bun and Deno it prints "skip: name
// (reason)"; under Node, the reference runtime, it is a failure.
export class Skip extends Error {
  constructor(reason) {
    super(`skipped: ${reason}`);
    this.reason = reason;
  }
}

// track(obj) returns a token whose `gone` turns true once GC collected obj.
// (A FinalizationRegistry, not a WeakRef: every deref() would keep the
// target alive until the end of the job, and so through the polling.)
const registry = new FinalizationRegistry((token) => { token.gone = true; });
export function track(obj) {
  const token = { gone: false };
  registry.register(obj, token);
  return token;
}

// Waits until GC has collected the objects of these tokens. Bun's
// JavaScriptCore scans the stack conservatively and may keep one alive: that
// skips the test under Bun; anywhere else it fails it.
export async function collected(tokens, what = 'the external') {
  if (await collect(() => tokens.every((t) => t.gone))) return;
  if (runtime === 'bun') {
    throw new Skip(`Bun kept ${what} alive through 20 GCs ` +
      '(conservative stack scan)');
  }
  assert.fail(`${what} was not collected after 20 GCs`);
}

// Asserts that fn throws a JS error with this `code`, of this class.
export function code(fn, expected, klass = Error) {
  let caught;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught, `expected ${expected}, nothing was thrown`);
  assert.equal(caught.code, expected, String(caught && caught.stack));
  assert.ok(caught instanceof klass, `expected a ${klass.name}`);
  return caught;
}

const queue = [];
let nodeTest = null;
if (runtime === 'node') nodeTest = (await import('node:test')).test;

// EXTREF_TEST_PREFIX names a variant run (e.g. "asan") in every line.
const prefix = process.env.EXTREF_TEST_PREFIX ?
  `${process.env.EXTREF_TEST_PREFIX}: ` : '';

export function test(name, fn) {
  if (nodeTest) {
    nodeTest(prefix + name, { timeout: 60000 }, () => fn());
    return;
  }
  queue.push({ name, fn });
  if (queue.length === 1) setTimeout(runQueue, 0);
}

async function runQueue() {
  let passed = 0, failed = 0, skipped = 0;
  for (const { name, fn } of queue) {
    try {
      await fn();
      passed++;
      console.log(`ok: ${runtime}: ${prefix}${name}`);
    } catch (e) {
      if (e instanceof Skip) {
        skipped++;
        console.log(`skip: ${runtime}: ${prefix}${name} (${e.reason})`);
        continue;
      }
      failed++;
      const text = String(e && e.stack || e).split('\n').slice(0, 6);
      console.log(`FAIL: ${runtime}: ${prefix}${name}\n` +
        `    ${text.join('\n    ')}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed` +
    (skipped ? `, ${skipped} skipped` : ''));
  process.exit(failed ? 1 : 0);
}
