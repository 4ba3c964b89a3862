// The Zig binding (bindings/zig/src/extref.zig) through the Zig addon,
// zig-out/lib/extref_zig.node, under Node.js (node:test), Bun and Deno.
import path from 'node:path';
import process from 'node:process';
import {
  assert, code, collect, collected, load, test, track,
} from '../../../tests/cross/harness.mjs';

const z = load(process.env.EXTREF_ZIG_ADDON ||
  path.join(path.dirname(new URL(import.meta.url).pathname), '..',
    'zig-out', 'lib', 'extref_zig.node'));

test('zig_create_and_shared_borrow', () => {
  const c = z.createCounter(5);
  assert.strictEqual(z.get(c), 5);
});

test('zig_mut_borrow_writes', () => {
  const c = z.createCounter(5);
  assert.strictEqual(z.add(c, 3), 8);
  assert.strictEqual(z.get(c), 8);
});

test('zig_swap_two_externals', () => {
  const x = z.createCounter(1);
  const y = z.createCounter(2);
  z.swap(x, y);
  assert.deepStrictEqual([z.get(x), z.get(y)], [2, 1]);
});

test('zig_aliased_mut_borrows_refused_mut_borrowed', () => {
  const x = z.createCounter(1);
  const e = code(() => z.swap(x, x), 'EXTREF_MUT_BORROWED');
  assert.match(e.message, /Counter/);
  assert.strictEqual(z.stats().liveBorrows, 0);
  assert.strictEqual(z.get(x), 1);
});

test('zig_reentrant_callback_refused', () => {
  const x = z.createCounter(1);
  const e = code(() => z.withMut(x, () => z.get(x)), 'EXTREF_MUT_BORROWED');
  assert.match(e.message, /this thread/);
  assert.strictEqual(z.stats().liveBorrows, 0);
  assert.strictEqual(z.get(x), 2);
});

test('zig_shared_borrows_coexist_and_refuse_mut', () => {
  const x = z.createCounter(4);
  assert.strictEqual(z.withRef(x, () => z.get(x)), 4);
  code(() => z.withRef(x, () => z.add(x, 1)), 'EXTREF_BORROWED');
  assert.strictEqual(z.stats().liveBorrows, 0);
});

test('zig_release_twice_and_stale_copy_invalid_arg', () => {
  const x = z.createCounter(1);
  assert.deepStrictEqual(z.releaseTwice(x),
    ['EXTREF_OK', 'EXTREF_INVALID_ARG', 'EXTREF_INVALID_ARG']);
  assert.strictEqual(z.stats().liveBorrows, 0);
  assert.strictEqual(z.add(x, 1), 2);
});

test('zig_clone_out_bitwise', () => {
  const x = z.createCounter(7);
  assert.strictEqual(z.cloneOut(x), 7);
  code(() => z.withMut(x, () => z.cloneOut(x)), 'EXTREF_MUT_BORROWED');
});

test('zig_clone_out_not_cloneable', () => {
  code(() => z.cloneNoClone(z.createNoClone(1)), 'EXTREF_NOT_CLONEABLE');
});

test('zig_take_then_taken', () => {
  const x = z.createCounter(3);
  const takes = z.stats().takes;
  assert.strictEqual(z.take(x), 3);
  assert.strictEqual(z.stats().takes, takes + 1);
  code(() => z.get(x), 'EXTREF_TAKEN');
  code(() => z.take(x), 'EXTREF_TAKEN');
  code(() => z.holdNew(x), 'EXTREF_TAKEN');
});

test('zig_take_refused_while_borrowed_or_held', () => {
  const x = z.createCounter(1);
  code(() => z.withRef(x, () => z.take(x)), 'EXTREF_BORROWED');
  code(() => z.withMut(x, () => z.take(x)), 'EXTREF_MUT_BORROWED');
  const h = z.holdNew(x);
  code(() => z.take(x), 'EXTREF_HELD');
  assert.strictEqual(z.holdRelease(h), 'EXTREF_OK');
  assert.strictEqual(z.take(x), 2);
});

test('zig_drop_runs_once_after_gc', async () => {
  await collect(); // earlier tests' garbage first
  const before = z.dropCount();
  let w;
  (() => { w = track(z.createCounter(1)); })();
  await collected([w]);
  assert.ok(await collect(() => z.dropCount() > before), 'never dropped');
  await collect();
  assert.strictEqual(z.dropCount(), before + 1);
});

test('zig_hold_keeps_payload_after_gc', async () => {
  let h, w;
  await collect();
  const before = z.dropCount();
  (() => {
    const x = z.createCounter(41);
    w = track(x);
    h = z.holdNew(x);
  })();
  await collected([w]);
  await collect(); // its finalizer runs from an immediate
  assert.strictEqual(z.dropCount(), before, 'dropped while held');
  assert.strictEqual(z.holdGet(h), 41);
  assert.strictEqual(z.holdAdd(h, 1), 42);
  assert.strictEqual(z.holdClone(h), 42);
  const s = z.stats();
  assert.strictEqual(z.holdRelease(h), 'EXTREF_OK');
  assert.strictEqual(z.dropCount(), before + 1);
  assert.strictEqual(z.stats().deferredDrops, s.deferredDrops + 1);
});

test('zig_hold_dup_and_thread', () => {
  const x = z.createCounter(1);
  const h1 = z.holdNew(x);
  const h2 = z.holdDup(h1);
  assert.strictEqual(z.stats().liveHolds, 2);
  assert.strictEqual(z.holdAddOnThread(h2, 10), 'EXTREF_OK');
  assert.strictEqual(z.get(x), 11);
  let seen;
  z.withRef(x, () => { seen = z.holdAddOnThread(h1, 1); });
  assert.strictEqual(seen, 'EXTREF_BORROWED');
  assert.strictEqual(z.holdRelease(h1), 'EXTREF_OK');
  assert.strictEqual(z.holdRelease(h2), 'EXTREF_OK');
  assert.strictEqual(z.stats().liveHolds, 0);
});

test('zig_thread_bound_hold_and_borrow_wrong_thread_off_thread', () => {
  const x = z.createNoClone(5);
  const before = z.stats();
  assert.deepStrictEqual(z.threadBound(x), [
    'EXTREF_WRONG_THREAD', // hold.ref() on the std.Thread
    'EXTREF_WRONG_THREAD', // hold.release() there: the hold stays live
    'EXTREF_WRONG_THREAD', // ref.release() there: the borrow stays live
    'EXTREF_OK', //           hold.release() back on the JS thread
    'EXTREF_OK', //           ref.release() back on the JS thread
  ]);
  const after = z.stats();
  assert.strictEqual(after.liveHolds, before.liveHolds);
  assert.strictEqual(after.liveBorrows, before.liveBorrows);
});

test('zig_same_tag_other_layout_type_mismatch', () => {
  const w = z.createWide(1);
  const e = code(() => z.get(w), 'EXTREF_TYPE_MISMATCH', TypeError);
  assert.match(e.message, /WideCounter/);
  code(() => z.getWide(z.createCounter(1)), 'EXTREF_TYPE_MISMATCH',
    TypeError);
  assert.strictEqual(z.getWide(w), 1);
});

test('zig_foreign_and_non_externals_refused', () => {
  code(() => z.get(z.createForeign()), 'EXTREF_FOREIGN', TypeError);
  for (const v of [1, 'x', {}, null, undefined]) {
    code(() => z.get(v), 'EXTREF_NOT_EXTERNAL', TypeError);
  }
});

test('zig_links_staged_library', () => {
  assert.match(z.libPath(), /libextref\.so\.1$/);
  assert.match(z.versionString(), /^1\.\d+\.\d+$/);
});

test('zig_nothing_left_borrowed_or_held', async () => {
  await collect();
  const s = z.stats();
  assert.strictEqual(s.liveBorrows, 0);
  assert.strictEqual(s.liveHolds, 0);
});
