// The fast path (extref::js_fn!: no hold, no napi-rs per-call machinery)
// and the #[napi] borrow arguments (Borrowed<T>, BorrowedMut<T>): results,
// every refusal with its code, panics, returned errors, &mut aliasing, GC.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const addonPath = process.env.EXTREF_RUST_ADDON ||
  path.join(__dirname, '..', '..', '..', 'build', 'extref_rust_addon.node');
const a = require(addonPath);
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

async function collect(rounds = 20) {
  for (let i = 0; i < rounds; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

test('js_fn!: shared and exclusive borrows, number arguments', () => {
  const c = a.createCounter(5);
  assert.equal(a.fastGet(c), 5);
  assert.equal(a.fastIncrement(c), 6);
  assert.equal(a.fastSet(c, 40), undefined);
  assert.equal(a.fastGet(c), 40);
  assert.equal(a.getValue(c), 40, 'the #[napi] path sees the same payload');
  const x = a.createCounter(3);
  assert.equal(a.fastAddInto(c, x), 43);
});

test('js_fn!: return values (Value, numbers, undefined, Napi<T>)', () => {
  const c = a.fastCreate(7);
  assert.equal(typeof c, 'object');
  assert.equal(a.getValue(c), 7, 'created by js_fn!, read by #[napi]');
  assert.equal(a.fastFirst(c), c, 'an argument returned as it is');
  assert.equal(a.fastLen(), 0);
  assert.equal(a.fastLen(1, 2, 3), 3);
  assert.equal(a.fastNothing(), undefined);
  assert.equal(a.fastName(), 'fast');
  assert.equal(a.fastGet.name, 'fast_get');
});

test('js_fn!: wrong values are TypeErrors with their code', () => {
  for (const [v, code] of [[42, 'EXTREF_NOT_EXTERNAL'],
    [undefined, 'EXTREF_NOT_EXTERNAL'], [{}, 'EXTREF_NOT_EXTERNAL'],
    [a.createForeign(1), 'EXTREF_FOREIGN'],
    [a.createLocal(1), 'EXTREF_TYPE_MISMATCH'],
    [a.createWideCounter(1, 2), 'EXTREF_TYPE_MISMATCH']]) {
    throwsCode(() => a.fastGet(v), code, TypeError);
    throwsCode(() => a.fastIncrement(v), code, TypeError);
  }
  throwsCode(() => a.fastGet(), 'EXTREF_NOT_EXTERNAL', TypeError,
    /undefined/);
  throwsCode(() => a.fastSet(a.createCounter(1), 'x'), 'NumberExpected');
});

test('js_fn!: refused while mutably borrowed, while shared, once taken', () => {
  const c = a.createCounter(1);
  a.mutBorrowBegin(c);
  try {
    throwsCode(() => a.fastGet(c), 'EXTREF_MUT_BORROWED', Error, /Counter/);
    throwsCode(() => a.fastIncrement(c), 'EXTREF_MUT_BORROWED');
  } finally {
    assert.equal(a.mutBorrowEnd(), true);
  }
  a.borrowedKeep(c); // a shared borrow kept past its call
  try {
    assert.equal(a.fastGet(c), 1, 'shared borrows coexist');
    throwsCode(() => a.fastIncrement(c), 'EXTREF_BORROWED', Error,
      /shared borrow/);
  } finally {
    assert.equal(a.borrowedRelease(), 1);
  }
  assert.equal(a.fastIncrement(c), 2);
  assert.equal(a.takeValue(c), 2);
  throwsCode(() => a.fastGet(c), 'EXTREF_TAKEN');
  throwsCode(() => a.fastIncrement(c), 'EXTREF_TAKEN');
});

test('js_fn!: &mut never aliases (same external twice)', () => {
  const x = a.createCounter(1);
  const y = a.createCounter(2);
  throwsCode(() => a.fastSwap(x, x), 'EXTREF_MUT_BORROWED', Error,
    /this thread/);
  throwsCode(() => a.fastAddInto(x, x), 'EXTREF_BORROWED', Error,
    /1 on this thread/);
  assert.equal(a.fastGet(x), 1, 'nothing changed');
  a.fastSwap(x, y);
  assert.equal(a.fastGet(x), 2);
  assert.equal(a.fastGet(y), 1);
  assert.equal(a.stats().liveBorrows, 0, 'every borrow released');
});

test('js_fn!: a panic in the body is a RUST_PANIC error; borrow released',
  () => {
    const c = a.createCounter(1);
    const before = a.stats().liveBorrows;
    for (let i = 0; i < 3; i++) {
      throwsCode(() => a.fastPanic(c), 'RUST_PANIC', Error,
        /fast_panic panicked: deliberate panic in fastPanic/);
    }
    assert.equal(a.stats().liveBorrows, before, 'released while unwinding');
    assert.equal(a.fastIncrement(c), 5, 'the body ran three times');
  });

test('js_fn!: returned errors keep their code and message', () => {
  throwsCode(() => a.fastHeldError(), 'EXTREF_HELD', Error,
    /^returned by fastHeldError$/);
  throwsCode(() => a.fastNapiError(), 'InvalidArg', Error,
    /returned by fastNapiError/);
});

test('js_fn!: payloads survive and drop once under GC pressure', async () => {
  await collect();
  const base = a.rustDropCount();
  const live = a.stats().livePayloads;
  let sum = 0;
  (() => {
    for (let i = 0; i < 2000; i++) {
      const c = a.fastCreate(i);
      a.fastIncrement(c);
      sum += a.fastGet(c);
      if (i % 250 === 0) gc();
    }
  })();
  assert.equal(sum, 2000 * 1999 / 2 + 2000);
  await collect();
  assert.equal(a.rustDropCount(), base + 2000);
  assert.equal(a.stats().livePayloads, live);
  assert.equal(a.stats().liveBorrows, 0);
  assert.equal(a.stats().liveHolds, 0);
});

test('Borrowed/BorrowedMut: #[napi] arguments borrowed at conversion', () => {
  const x = a.createCounter(1);
  const y = a.createCounter(2);
  assert.equal(a.borrowedGet(x), 1);
  assert.equal(a.borrowedIncrement(x), 2);
  throwsCode(() => a.borrowedSwap(x, x), 'EXTREF_MUT_BORROWED');
  throwsCode(() => a.borrowedAddInto(x, x), 'EXTREF_BORROWED');
  a.borrowedSwap(x, y);
  assert.equal(a.borrowedGet(x), 2);
  assert.equal(a.borrowedAddInto(x, y), 4);
  for (const [v, code] of [[42, 'EXTREF_NOT_EXTERNAL'],
    [a.createForeign(1), 'EXTREF_FOREIGN'],
    [a.createLocal(1), 'EXTREF_TYPE_MISMATCH']]) {
    throwsCode(() => a.borrowedGet(v), code, TypeError);
    throwsCode(() => a.borrowedIncrement(v), code, TypeError);
  }
  a.mutBorrowBegin(x);
  try {
    throwsCode(() => a.borrowedGet(x), 'EXTREF_MUT_BORROWED');
  } finally {
    a.mutBorrowEnd();
  }
  assert.equal(a.stats().liveBorrows, 0, 'every borrow released');
});

test('Borrowed kept past its call keeps the payload alive and shared',
  async () => {
    await collect();
    const base = a.rustDropCount();
    (() => {
      const c = a.createCounter(11);
      a.borrowedKeep(c);
      throwsCode(() => a.borrowedIncrement(c), 'EXTREF_BORROWED');
      throwsCode(() => a.takeValue(c), 'EXTREF_BORROWED');
    })();
    await collect(50);
    assert.equal(a.rustDropCount(), base, 'not dropped while borrowed');
    assert.deepEqual(a.borrowedKept(), [11]);
    assert.equal(a.borrowedRelease(), 1);
    assert.equal(a.rustDropCount(), base + 1, 'dropped at the release');
    assert.equal(a.stats().liveBorrows, 0);
  });

test('js_fn! functions are registered in every env (a Worker)', async () => {
  const { Worker } = require('node:worker_threads');
  const w = new Worker(`
    const { parentPort, workerData } = require('node:worker_threads');
    const a = require(workerData);
    const c = a.fastCreate(41);
    let code;
    try { a.fastSwap(c, c); } catch (e) { code = e.code; }
    parentPort.postMessage([a.fastIncrement(c), a.borrowedGet(c), code]);
  `, { eval: true, workerData: addonPath });
  const m = await new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  assert.deepEqual(m, [42, 42, 'EXTREF_MUT_BORROWED']);
  await new Promise((r) => w.once('exit', r));
});
