// Borrow rules of the Rust bindings, through the napi-rs addon, in Node.js.
// Run: node --expose-gc --test test/  (EXTREF_RUST_ADDON = path of the .node)
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const addonPath = process.env.EXTREF_RUST_ADDON ||
  path.join(__dirname, '..', '..', '..', 'build', 'extref_rust_addon.node');
const a = require(addonPath);
// A full, synchronous collection: Node and Deno with --expose-gc, Bun.
const gc = globalThis.gc ||
  (globalThis.Bun && (() => globalThis.Bun.gc(true)));

function throwsCode(fn, code, ctor = Error, msg) {
  let err;
  try { fn(); } catch (e) { err = e; }
  assert.ok(err, `expected a throw with code ${code}`);
  assert.equal(err.code, code, `code of: ${err.message}`);
  assert.equal(err.constructor, ctor, `class of: ${err.message}`);
  if (msg) assert.match(err.message, msg);
  return err;
}

test('create and read a Counter', () => {
  const c = a.createCounter(5);
  assert.equal(typeof c, 'object');
  assert.equal(a.getValue(c), 5);
  assert.equal(a.increment(c), 6);
  a.setValue(c, 40);
  assert.equal(a.getValue(c), 40);
});

test('swap(x, x): the second exclusive borrow is EXTREF_MUT_BORROWED', () => {
  const x = a.createCounter(1);
  const y = a.createCounter(2);
  throwsCode(() => a.swap(x, x), 'EXTREF_MUT_BORROWED', Error, /Counter/);
  a.swap(x, y);
  assert.equal(a.getValue(x), 2);
  assert.equal(a.getValue(y), 1);
});

test('shared then exclusive borrow of one external is EXTREF_BORROWED', () => {
  const x = a.createCounter(3);
  const y = a.createCounter(4);
  throwsCode(() => a.addInto(x, x), 'EXTREF_BORROWED', Error,
    /1 on this thread/);
  assert.equal(a.addInto(x, y), 7);
});

test('re-entrant JS callback under an exclusive borrow is refused', () => {
  const c = a.createCounter(1);
  let inner;
  const r = a.withMut(c, () => {
    inner = throwsCode(() => a.getValue(c), 'EXTREF_MUT_BORROWED', Error,
      /this thread/);
  });
  assert.ok(inner);
  assert.equal(r, 101);
  assert.equal(a.getValue(c), 101, 'the borrow was released');
});

test('an exclusive borrow kept across calls refuses every other access', () => {
  const c = a.createCounter(9);
  a.mutBorrowBegin(c);
  try {
    throwsCode(() => a.getValue(c), 'EXTREF_MUT_BORROWED');
    throwsCode(() => a.increment(c), 'EXTREF_MUT_BORROWED');
    throwsCode(() => a.takeValue(c), 'EXTREF_MUT_BORROWED');
  } finally {
    assert.equal(a.mutBorrowEnd(), true);
  }
  assert.equal(a.mutBorrowEnd(), false);
  assert.equal(a.getValue(c), 9);
});

test('a borrow held on a native thread is seen from JS as another thread',
  async () => {
    const c = a.createCounter(10);
    const p = a.mutBorrowFor(c, 1000);
    throwsCode(() => a.getValue(c), 'EXTREF_MUT_BORROWED', Error,
      /another thread/);
    throwsCode(() => a.increment(c), 'EXTREF_MUT_BORROWED');
    assert.equal(await p, 11);
    assert.equal(a.getValue(c), 11, 'released off the JS thread');
  });

test('WideCounter (same tag, 16 bytes) is EXTREF_TYPE_MISMATCH', () => {
  throwsCode(() => a.getWide(a.createCounter(1)), 'EXTREF_TYPE_MISMATCH',
    TypeError);
  throwsCode(() => a.getValue(a.createWideCounter(1, 2)),
    'EXTREF_TYPE_MISMATCH', TypeError);
  assert.equal(a.getWide(a.createWideCounter(1, 2)), 3);
});

test('another libextref type is EXTREF_TYPE_MISMATCH', () => {
  throwsCode(() => a.getValue(a.createLocal(1)), 'EXTREF_TYPE_MISMATCH',
    TypeError);
  assert.equal(a.getLocal(a.createLocal(8)), 8);
});

test('a plain napi external is EXTREF_FOREIGN', () => {
  throwsCode(() => a.getValue(a.createForeign(1)), 'EXTREF_FOREIGN',
    TypeError);
  throwsCode(() => a.increment(a.createForeign(1)), 'EXTREF_FOREIGN',
    TypeError);
});

test('non-externals are EXTREF_NOT_EXTERNAL', () => {
  for (const v of [42, 'str', {}, [], null, undefined, () => 1, 1n]) {
    throwsCode(() => a.getValue(v), 'EXTREF_NOT_EXTERNAL', TypeError);
  }
});

test('clone-out copies; a type without clone is EXTREF_NOT_CLONEABLE', () => {
  const c = a.createCounter(21);
  assert.equal(a.cloneValue(c), 21);
  a.setValue(c, 22);
  assert.equal(a.getValue(c), 22);
  throwsCode(() => a.cloneLocal(a.createLocal(1)), 'EXTREF_NOT_CLONEABLE');
});

test('take moves out once; later access is EXTREF_TAKEN', () => {
  const before = a.stats().takes;
  const drops = a.rustDropCount();
  const c = a.createCounter(31);
  assert.equal(a.takeValue(c), 31);
  assert.equal(a.stats().takes, before + 1);
  throwsCode(() => a.getValue(c), 'EXTREF_TAKEN');
  throwsCode(() => a.takeValue(c), 'EXTREF_TAKEN');
  throwsCode(() => a.cloneValue(c), 'EXTREF_TAKEN');
  throwsCode(() => a.holdBegin(c), 'EXTREF_TAKEN');
  assert.equal(a.rustDropCount(), drops, 'a taken payload is never dropped');
});

test('take while held is EXTREF_HELD', () => {
  const c = a.createCounter(5);
  a.holdBegin(c);
  a.holdBegin(c);
  throwsCode(() => a.takeValue(c), 'EXTREF_HELD', Error, /2 holds/);
  assert.equal(a.holdEnd(), 2);
  assert.equal(a.takeValue(c), 5);
});

async function collect(rounds = 20) {
  for (let i = 0; i < rounds; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

test('each payload is dropped exactly once after GC', async () => {
  await collect(); // earlier tests' garbage first
  const base = a.rustDropCount();
  const live = a.stats().livePayloads;
  (() => {
    for (let i = 0; i < 50; i++) a.getValue(a.createCounter(i));
  })();
  assert.equal(a.stats().livePayloads, live + 50);
  await collect();
  assert.equal(a.rustDropCount(), base + 50);
  assert.equal(a.stats().livePayloads, live);
  await collect(5);
  assert.equal(a.rustDropCount(), base + 50, 'never twice');
});

test('an async fn holding the payload keeps it alive through forced GC',
  async () => {
    await collect();
    const base = a.rustDropCount();
    const deferred = a.stats().deferredDrops;
    a.setGate(false);
    // No JS reference to the external survives this line.
    const p = a.readWhenOpen(a.createCounter(77));
    try {
      await collect(100);
      assert.equal(a.rustDropCount(), base, 'dropped while held');
      assert.equal(a.stats().liveHolds >= 1, true);
    } finally {
      a.setGate(true); // never leave the worker waiting
    }
    assert.equal(await p, 77, 'payload intact after GC');
    for (let i = 0; i < 40 && a.rustDropCount() === base; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(a.rustDropCount(), base + 1, 'dropped once after the hold');
    assert.equal(a.stats().deferredDrops, deferred + 1);
    await collect(5);
    assert.equal(a.rustDropCount(), base + 1, 'never twice');
  });

test('an async exclusive borrow on a worker thread', async () => {
  const c = a.createCounter(1);
  assert.equal(await a.incrementAfter(c, 10), 2);
  assert.equal(a.getValue(c), 2);
});

test('failed calls leave no live borrow or hold behind', async () => {
  const s0 = a.stats();
  const c = a.createCounter(1);
  for (let i = 0; i < 2000; i++) {
    try { a.swap(c, c); } catch {}
    try { a.addInto(c, c); } catch {}
    try { a.getValue(a.createForeign(i)); } catch {}
  }
  const s1 = a.stats();
  assert.equal(s1.liveBorrows, s0.liveBorrows);
  assert.equal(s1.liveHolds, s0.liveHolds);
});

test('external_bytes are announced and given back', async () => {
  await collect(5);
  const b0 = a.stats().externalBytes;
  (() => { a.createCounterWithBytes(1, 1 << 20); })();
  assert.equal(a.stats().externalBytes, b0 + (1 << 20));
  await collect();
  assert.equal(a.stats().externalBytes, b0);
});

test('a thread-bound payload is EXTREF_WRONG_THREAD off its thread', () => {
  const holds = a.stats().liveHolds;
  assert.deepEqual(a.localHoldOffThread(a.createLocal(4)),
    ['EXTREF_WRONG_THREAD', 'EXTREF_WRONG_THREAD', '4']);
  assert.equal(a.stats().liveHolds, holds);
});

test('a panicking Clone is EXTREF_CLONE_FAILED, a panicking Drop is caught',
  async () => {
    assert.equal(a.cloneBoom(a.createBoom(false)), 0);
    throwsCode(() => a.cloneBoom(a.createBoom(true)), 'EXTREF_CLONE_FAILED');
    await collect();
    const drops = a.boomDropCount();
    (() => { a.createBoom(true); })();
    await collect();
    assert.equal(a.boomDropCount(), drops + 1, 'Drop ran (and panicked)');
    assert.equal(a.getValue(a.createCounter(3)), 3, 'the process goes on');
  });

test('EXTREF_TYPE_JS_DROP: a drop released on a worker runs on the JS thread',
  async () => {
    await collect();
    const [onJs0, elsewhere0] = a.jsDroppedCounts();
    const deferred = a.stats().deferredDrops;
    a.setGate(false);
    const p = a.jsDroppedReadAfter(a.createJsDropped(6), 10);
    try {
      await collect(); // the external is gone; the worker still holds it
      assert.deepEqual(a.jsDroppedCounts(), [onJs0, elsewhere0]);
    } finally {
      a.setGate(true);
    }
    assert.equal(await p, 6);
    for (let i = 0; i < 40 && a.jsDroppedCounts()[0] === onJs0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(a.jsDroppedCounts(), [onJs0 + 1, elsewhere0]);
    assert.equal(a.stats().deferredDrops, deferred + 1);
  });
