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

export function test(name, fn) {
  if (nodeTest) {
    nodeTest(name, { timeout: 60000 }, () => fn());
    return;
  }
  queue.push({ name, fn });
  if (queue.length === 1) setTimeout(runQueue, 0);
}

async function runQueue() {
  let passed = 0, failed = 0;
  for (const { name, fn } of queue) {
    try {
      await fn();
      passed++;
      console.log(`ok: ${runtime}: ${name}`);
    } catch (e) {
      failed++;
      const text = String(e && e.stack || e).split('\n').slice(0, 6);
      console.log(`FAIL: ${runtime}: ${name}\n    ${text.join('\n    ')}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
