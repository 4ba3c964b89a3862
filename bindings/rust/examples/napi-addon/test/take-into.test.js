// Scenario 18: take across two Rust addons with different global
// allocators (the same addon built twice; one with an allocator that
// offsets its blocks, so a free() by the other allocator would abort).
// Take is ABI 1.1 take-into: the creator's move frees the creator's box,
// the value's Drop runs once, in the taker.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');

const addonPath = process.env.EXTREF_RUST_ADDON ||
  path.join(__dirname, '..', '..', '..', 'build', 'extref_rust_addon.node');
const allocPath = process.env.EXTREF_RUST_ADDON_ALLOC ||
  path.join(path.dirname(addonPath), 'extref_rust_addon_alloc.node');
const a = require(addonPath);
const have = fs.existsSync(allocPath);
const b = have ? require(allocPath) : null;
// A bundled build (tests/suites/24-bundled.sh) has no second addon to take
// across: two bundled addons are two copies of the library and never share
// payloads (they refuse each other's externals with EXTREF_FOREIGN).
const skipWhy = `no second addon at ${allocPath}: take-into across two ` +
  'addons needs them to share one copy of the library';
const gc = globalThis.gc ||
  (globalThis.Bun && (() => globalThis.Bun.gc(true)));

test('two addons, two allocators', { skip: !have && skipWhy },
  () => {
    assert.equal(a.allocKind(), 'system');
    assert.equal(b.allocKind(), 'offset');
  });

test('offset-allocator addon creates, system one takes',
  { skip: !have && skipWhy }, () => {
    const dropsA = a.rustDropCount();
    const dropsB = b.rustDropCount();
    const c = b.createCounter(41);
    const live = b.liveSmallBlocks();
    assert.equal(a.takeAndDrop(c), 41);
    assert.equal(b.liveSmallBlocks(), live - 1,
      "the creator's allocator freed the box");
    assert.equal(a.rustDropCount(), dropsA + 1, 'Drop ran once, in the taker');
    assert.equal(b.rustDropCount(), dropsB, 'not in the creator');
    assert.throws(() => b.getValue(c), { code: 'EXTREF_TAKEN' });
    assert.throws(() => a.takeAndDrop(c), { code: 'EXTREF_TAKEN' });
  });

test('system addon creates, offset-allocator one takes',
  { skip: !have && skipWhy }, () => {
    const dropsA = a.rustDropCount();
    const dropsB = b.rustDropCount();
    const live = b.liveSmallBlocks();
    for (let i = 0; i < 20; i++) {
      const c = a.createCounter(i);
      assert.equal(b.takeAndDrop(c), i);
    }
    assert.equal(b.rustDropCount(), dropsB + 20);
    assert.equal(a.rustDropCount(), dropsA);
    assert.equal(b.liveSmallBlocks(), live, 'the taker allocated nothing');
  });

test('take refusals keep the payload in place',
  { skip: !have && skipWhy }, () => {
    const c = b.createCounter(5);
    a.mutBorrowBegin(c);
    try {
      assert.throws(() => b.takeAndDrop(c), { code: 'EXTREF_MUT_BORROWED' });
    } finally {
      a.mutBorrowEnd();
    }
    b.holdBegin(c);
    assert.throws(() => a.takeAndDrop(c), { code: 'EXTREF_HELD' });
    assert.equal(b.holdEnd(), 1);
    assert.equal(a.getValue(c), 5);
    assert.equal(a.takeAndDrop(c), 5);
    gc();
  });
