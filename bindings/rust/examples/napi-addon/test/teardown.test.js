// Environment teardown: a Worker that holds a payload in async Rust work is
// terminated; the payload must be dropped once, when the work releases it.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { Worker } = require('node:worker_threads');

const addonPath = process.env.EXTREF_RUST_ADDON ||
  path.join(__dirname, '..', '..', '..', 'build', 'extref_rust_addon.node');
const a = require(addonPath);
// A full, synchronous collection: Node and Deno with --expose-gc, Bun.
const gc = globalThis.gc ||
  (globalThis.Bun && (() => globalThis.Bun.gc(true)));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function startWorker(code) {
  const w = new Worker(code, { eval: true, workerData: addonPath });
  return new Promise((resolve, reject) => {
    w.once('message', (m) => resolve({ w, m }));
    w.once('error', reject);
  });
}

test('worker.terminate() while async work holds a payload', async () => {
  const base = a.rustDropCount();
  a.setGate(false);
  const { w, m } = await startWorker(`
    const { parentPort, workerData } = require('node:worker_threads');
    const a = require(workerData);
    a.readWhenOpen(a.createCounter(5)).catch(() => {});
    parentPort.postMessage(a.stats().liveHolds);
    setInterval(() => {}, 1000);
  `);
  try {
    assert.ok(m >= 1, 'the worker holds the payload');
    await w.terminate();
    await sleep(50);
    assert.equal(a.rustDropCount(), base, 'not dropped while held');
  } finally {
    a.setGate(true); // the async work borrows, then ends its hold
  }
  for (let i = 0; i < 40 && a.rustDropCount() === base; i++) await sleep(50);
  assert.equal(a.rustDropCount(), base + 1, 'dropped once when released');
  await sleep(100);
  assert.equal(a.rustDropCount(), base + 1, 'never twice');
  // The worker thread ends the hold count just after the drop returns.
  for (let i = 0; i < 40 && a.stats().liveHolds !== 0; i++) await sleep(25);
  assert.equal(a.stats().liveHolds, 0);
});

test('worker exit drops its unheld payloads', async () => {
  const base = a.rustDropCount();
  const { w, m } = await startWorker(`
    const { parentPort, workerData } = require('node:worker_threads');
    const a = require(workerData);
    globalThis.keep = [a.createCounter(1), a.createCounter(2)];
    parentPort.postMessage(a.getValue(keep[1]));
  `);
  assert.equal(m, 2);
  await new Promise((r) => w.once('exit', r));
  for (let i = 0; i < 20 && a.rustDropCount() < base + 2; i++) await sleep(25);
  assert.equal(a.rustDropCount(), base + 2);
});
