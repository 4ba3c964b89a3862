// The node-addon-api overloads of extref.hpp (Napi::Value in and out), with
// EXTREF_CPP_EXCEPTIONS and NAPI_CPP_EXCEPTIONS.
import path from 'node:path';
import process from 'node:process';
import {
  assert, code, collect, load, test,
} from '../../../tests/cross/harness.mjs';

const buildDir = process.env.EXTREF_CPP_BUILD ||
  path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'build');

const b = load(path.join(buildDir, 'extref_cpp_napi.node'));
const a = load(path.join(buildDir, 'extref_cpp.node'));

test('napi_create_borrow_and_share_with_plain_addon', () => {
  const d = b.createCounter(7);
  assert.strictEqual(b.get(d), 7);
  assert.strictEqual(b.add(d, 1), 8);
  assert.strictEqual(a.get(d), 8);
  assert.strictEqual(a.add(d, 1), 9);
  assert.strictEqual(b.get(d), 9);
});

test('napi_result_error_thrown_with_code', () => {
  code(() => b.get(3), 'EXTREF_NOT_EXTERNAL', TypeError);
  code(() => b.get(a.createWide(1)), 'EXTREF_TYPE_MISMATCH', TypeError);
});

test('napi_exception_style_error_has_code', () => {
  const e = code(() => b.add('x', 1), 'EXTREF_NOT_EXTERNAL', TypeError);
  assert.match(e.message, /Counter/);
  const d = b.createCounter(1);
  code(() => b.withMut(d, () => b.add(d, 1)), 'EXTREF_MUT_BORROWED');
});

test('napi_reentrant_borrow_refused_across_addons', () => {
  const d = b.createCounter(1);
  code(() => b.withMut(d, () => a.get(d)), 'EXTREF_MUT_BORROWED');
  code(() => a.withMut(d, () => b.get(d)), 'EXTREF_MUT_BORROWED');
  assert.strictEqual(b.get(d), 3);
});

test('napi_js_exception_unwinds_and_releases_guard', () => {
  const d = b.createCounter(1);
  assert.throws(() => b.withMut(d, () => { throw new Error('boom'); }),
    /boom/);
  assert.strictEqual(a.stats().liveBorrows, 0);
  assert.strictEqual(b.add(d, 1), 3);
});

test('napi_hold_and_dup_released_by_destructors', () => {
  const d = b.createCounter(1);
  const holds = a.stats().liveHolds;
  assert.strictEqual(b.holdAndAdd(d, 2), 3);
  assert.strictEqual(a.stats().liveHolds, holds);
  assert.strictEqual(a.stats().liveBorrows, 0);
  code(() => b.withMut(d, () => b.holdAndAdd(d, 1)), 'EXTREF_MUT_BORROWED');
  assert.strictEqual(a.stats().liveHolds, holds);
});

test('napi_clone_out_and_take', () => {
  const d = b.createCounter(5);
  assert.strictEqual(b.cloneOut(d), 5);
  assert.strictEqual(b.take(d), 5);
  code(() => b.get(d), 'EXTREF_TAKEN');
  code(() => b.cloneOut(d), 'EXTREF_TAKEN');
});
