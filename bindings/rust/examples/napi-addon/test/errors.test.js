// Plain `?` in #[napi] functions keeps the libextref status as the JS
// `code`, synchronously and in an async fn, with the error's own message.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const addonPath = process.env.EXTREF_RUST_ADDON ||
  path.join(__dirname, '..', '..', '..', 'build', 'extref_rust_addon.node');
const a = require(addonPath);

test('`?` in a sync fn throws code EXTREF_MUT_BORROWED', () => {
  const c = a.createCounter(1);
  assert.equal(a.qSync(c), 1);
  a.mutBorrowBegin(c);
  try {
    assert.throws(() => a.qSync(c), (e) => {
      assert.equal(e.code, 'EXTREF_MUT_BORROWED', e.message);
      assert.match(e.message, /Counter/);
      return true;
    });
  } finally {
    a.mutBorrowEnd();
  }
});

test('`?` in an async fn rejects with code EXTREF_MUT_BORROWED', async () => {
  const c = a.createCounter(2);
  assert.equal(await a.qAsync(c), 2);
  a.mutBorrowBegin(c);
  try {
    await assert.rejects(a.qAsync(c), (e) => {
      assert.equal(e.code, 'EXTREF_MUT_BORROWED', e.message);
      assert.match(e.message, /Counter/);
      return true;
    });
  } finally {
    a.mutBorrowEnd();
  }
});

test('the message is the error\'s own, not the thread\'s latest', () => {
  const c = a.createCounter(3);
  a.mutBorrowBegin(c);
  try {
    assert.throws(() => a.qOwnMessage(c), (e) => {
      assert.equal(e.code, 'EXTREF_MUT_BORROWED', e.message);
      assert.match(e.message, /Counter/);
      assert.doesNotMatch(e.message, /empty|invalid|NULL/i);
      return true;
    });
  } finally {
    a.mutBorrowEnd();
  }
});

test('wrong values are TypeErrors with their code at conversion', () => {
  for (const [v, code] of [[42, 'EXTREF_NOT_EXTERNAL'],
    [a.createForeign(1), 'EXTREF_FOREIGN'],
    [a.createLocal(1), 'EXTREF_TYPE_MISMATCH']]) {
    assert.throws(() => a.qSync(v), (e) => {
      assert.equal(e.code, code);
      assert.equal(e.constructor, TypeError);
      return true;
    });
  }
});

test('a JS callback\'s exception passes through Settled::run unchanged', () => {
  const c = a.createCounter(4);
  const thrown = Object.assign(new RangeError('from the callback'),
    { code: 'MINE' });
  assert.throws(() => a.withMut(c, () => { throw thrown; }),
    (e) => e === thrown);
  assert.equal(a.getValue(c), 104, 'the borrow was released');
});
