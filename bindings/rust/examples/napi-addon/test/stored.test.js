// Scenario 13: an Extref<T> argument kept past its call (thread_local!,
// static Mutex, #[napi] class field, napi-rs External) stays sound: it owns
// a hold, so later calls see the same payload, alive, or a status; never
// another object, never a crash. Run: node --expose-gc --test test/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const addonPath = process.env.EXTREF_RUST_ADDON ||
  path.join(__dirname, '..', '..', '..', 'build', 'extref_rust_addon.node');
const a = require(addonPath);
const gc = globalThis.gc ||
  (globalThis.Bun && (() => globalThis.Bun.gc(true)));

async function collect(rounds = 10) {
  for (let i = 0; i < rounds; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

// Reuses the handle slots and stack of later calls with other values:
// other Counters, other libextref types, plain objects.
function churn() {
  const keep = [];
  for (let i = 0; i < 200; i++) {
    const c = a.createCounter(222);
    assert.equal(a.getValue(c), 222);
    keep.push(c, { hello: 'world' }, a.createLocal(333), [i]);
  }
  return keep.length;
}

function codeOf(fn) {
  try { fn(); } catch (e) { return e.code; }
  return 'no throw';
}

test('stored in thread_local!, a static Mutex, a class field, an External',
  async () => {
    a.clearStashes();
    let keeper, wrapped;
    (() => {
      a.stashTls(a.createCounter(111));
      a.stashStatic(a.createCounter(112));
      a.stashLocal(a.createLocal(113));
      keeper = new a.Keeper(a.createCounter(114));
      wrapped = a.wrapExternal(a.createCounter(115));
    })();
    for (let round = 0; round < 5; round++) {
      await collect(3);
      churn();
      assert.deepEqual(a.readStashed(), [111 + round, 112 + round, 113]);
      assert.equal(keeper.value(), 114 + round);
      assert.equal(a.readWrapped(wrapped), 115);
      a.incrementStashed();
      assert.equal(keeper.increment(), 115 + round);
    }
    // The churn's garbage first, until no more drops come.
    let dropsBefore = -1;
    while (dropsBefore !== a.rustDropCount()) {
      dropsBefore = a.rustDropCount();
      await collect(10);
    }
    assert.deepEqual(a.readStashed(), [116, 117, 113]);
    assert.equal(a.clearStashes(), 3);
    keeper = null;
    wrapped = null;
    await collect(20);
    assert.equal(a.rustDropCount(), dropsBefore + 4,
      'the four Counters dropped once each, after their Extref and external');
    assert.equal(a.stats().liveHolds, 0, 'no hold left behind');
  });

test('a stored Extref answers with statuses: held, then borrowed', () => {
  a.clearStashes();
  const c = a.createCounter(7);
  a.stashTls(c);
  assert.equal(codeOf(() => a.takeValue(c)), 'EXTREF_HELD');
  a.mutBorrowBegin(c);
  try {
    assert.equal(codeOf(() => a.readStashed()), 'EXTREF_MUT_BORROWED');
  } finally {
    assert.equal(a.mutBorrowEnd(), true);
  }
  assert.deepEqual(a.readStashed(), [7]);
  assert.equal(a.clearStashes(), 1);
  assert.equal(a.takeValue(c), 7, 'take works once the stored one is gone');
});

test('many stored Extrefs, collected and stack reused, keep their values',
  async () => {
    a.clearStashes();
    for (let i = 0; i < 100; i++) a.stashTls(a.createCounter(1000 + i));
    await collect(5);
    churn();
    const got = a.readStashed();
    assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => 1000 + i));
    assert.equal(a.clearStashes(), 100);
    await collect(5);
    const s = a.stats();
    assert.equal(s.liveBorrows, 0);
  });
