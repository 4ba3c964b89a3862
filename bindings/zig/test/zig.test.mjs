// The Zig binding (bindings/zig/src/extref.zig) through the Zig addon,
// zig-out/lib/extref_zig.node, under Node.js (node:test), Bun and Deno.
import path from 'node:path';
import process from 'node:process';
import {
  assert, code, collect, collected, load, test, track,
} from '../../../tests/cross/harness.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const z = load(process.env.EXTREF_ZIG_ADDON ||
  path.join(here, '..', 'zig-out', 'lib', 'extref_zig.node'));
// The C test addon (tests/runtime/build.sh builds it): another module, with
// a "send" counter whose layout and tag the Zig addon's CCounter shares.
const C = load(process.env.EXTREF_C_ADDON ||
  path.join(here, '..', '..', '..', 'tests', 'runtime', 'build',
    'extref_test.node'));

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

// Issue 14: a type with deinit and no clone is not cloneable by default
// (it used to be copied bitwise, sharing what deinit frees).
test('zig_deinit_without_clone_not_cloneable_by_default', () => {
  const x = z.createOwned(4);
  code(() => z.cloneOwned(x), 'EXTREF_NOT_CLONEABLE');
});

// Issue 14: clone and move that return an error (Zig has no exceptions).
test('zig_clone_error_is_clone_failed', () => {
  assert.strictEqual(z.pickyClone(z.createPicky(3)), 3);
  code(() => z.pickyClone(z.createPicky(-3)), 'EXTREF_CLONE_FAILED');
});

test('zig_move_error_is_not_movable_and_nothing_moved', async () => {
  await collect();
  const x = z.createPicky(-5);
  const s = z.stats();
  const drops = z.dropCount();
  code(() => z.pickyTake(x), 'EXTREF_NOT_MOVABLE');
  assert.strictEqual(z.stats().takes, s.takes);
  assert.strictEqual(z.pickyGet(x), -5); // still there, not taken
  assert.strictEqual(z.dropCount(), drops);
  const y = z.createPicky(6);
  const d = z.dropCount();
  assert.strictEqual(z.pickyTake(y), 6);
  assert.strictEqual(z.dropCount(), d + 1); // the taker's deinit, once
  code(() => z.pickyGet(y), 'EXTREF_TAKEN');
});

test('zig_take_then_taken', async () => {
  await collect();
  const x = z.createCounter(3);
  const takes = z.stats().takes;
  const drops = z.dropCount();
  assert.strictEqual(z.take(x), 3);
  assert.strictEqual(z.dropCount(), drops + 1, "the taker's deinit");
  await collect();
  assert.strictEqual(z.dropCount(), drops + 1, 'deinit ran twice');
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

// Issue 14: handles released through a pointer and poisoned. A by-value
// copy of a released Ref, released while another Ref of the same payload is
// live, is refused and takes nothing from it (1.0: it ended the live borrow,
// then mutRef and take freed the payload under it).
test('zig_stale_ref_copy_refused_while_another_ref_live', () => {
  const x = z.createCounter(7);
  assert.deepStrictEqual(z.staleCopyWhileShared(x), [
    'EXTREF_OK', //          r1.tryRelease()
    'EXTREF_INVALID_ARG', // r1.tryRelease() again: poisoned
    'EXTREF_INVALID_ARG', // the copy of r1, while r2 is live
    'EXTREF_BORROWED', //    mutRef while r2 is live
    'EXTREF_BORROWED', //    take while r2 is live
    'EXTREF_OK', //          r2.tryRelease()
    true, //                 r1 was poisoned by its release
  ]);
  assert.strictEqual(z.stats().liveBorrows, 0);
  assert.strictEqual(z.add(x, 1), 8);
});

test('zig_hold_double_release_refused_other_hold_intact', () => {
  const x = z.createCounter(9);
  const before = z.stats().liveHolds;
  assert.deepStrictEqual(z.holdDoubleRelease(x), [
    'EXTREF_OK', //          h1.tryRelease()
    'EXTREF_INVALID_ARG', // h1.tryRelease() again: poisoned
    'EXTREF_INVALID_ARG', // a copy of h1, while h2 is live
    'EXTREF_OK', //          h2 still borrows and reads 9
    'EXTREF_OK', //          h2.tryRelease()
    true, //                 h1 was poisoned by its release
  ]);
  assert.strictEqual(z.stats().liveHolds, before);
  assert.strictEqual(z.take(x), 9);
});

// Issue 14: `defer r.release();` cannot lose a WrongThread: it is logged
// and counted, and the borrow stays live for the creating thread to end.
test('zig_defer_release_off_thread_is_loud_and_stays_live', () => {
  const x = z.createNoClone(5);
  const before = z.stats().liveBorrows;
  const [counted, line, live, back] = z.deferReleaseOffThread(x);
  assert.strictEqual(counted, 1);
  assert.match(line, /^error\(extref\): Ref\.release\(\) failed, EXTREF_WRONG_THREAD: .*stays live/);
  assert.strictEqual(live, true);
  assert.strictEqual(back, 'EXTREF_OK');
  assert.strictEqual(z.stats().liveBorrows, before);
});

test('zig_release_of_released_ref_is_loud', () => {
  const [counted, line] = z.releaseReleased(z.createCounter(1));
  assert.strictEqual(counted, 1);
  assert.match(line, /Ref\.release\(\) failed, EXTREF_INVALID_ARG/);
  assert.strictEqual(z.stats().liveBorrows, 0);
});

// Issue 14: take is take-into: the creator's move runs, so the creator's
// allocator frees the creator's storage, and deinit runs once, on the
// taker's side.
test('zig_takes_a_payload_made_by_the_c_addon', async () => {
  await collect();
  const moves = C.moves('send');
  const drops = C.counters().drops.send;
  const zc = z.cSendCounts();
  const x = C.create('send', 31);
  assert.strictEqual(z.takeCSend(x), 31);
  assert.strictEqual(C.moves('send'), moves + 1, "the creator's move ran");
  assert.strictEqual(z.cSendCounts().deinits, zc.deinits + 1);
  assert.strictEqual(z.cSendCounts().bad, 0);
  code(() => z.takeCSend(x), 'EXTREF_TAKEN');
  await collect();
  assert.strictEqual(C.counters().drops.send, drops, 'the C drop ran');
  assert.strictEqual(z.cSendCounts().deinits, zc.deinits + 1);
});

test('c_addon_takes_a_payload_made_by_zig_with_zigs_allocator', async () => {
  await collect();
  const before = z.cSendCounts();
  const moves = C.moves('send');
  const x = z.createCSend(41);
  assert.strictEqual(z.cSendCounts().allocs, before.allocs + 1);
  assert.strictEqual(C.takeInto(x, 'send'), 41);
  assert.strictEqual(C.moves('send'), moves, "the taker's move ran");
  const after = z.cSendCounts();
  assert.strictEqual(after.frees, before.frees + 1,
    "not freed by the creator's allocator");
  assert.strictEqual(after.deinits, before.deinits, 'deinit ran on a move');
  await collect();
  assert.strictEqual(z.cSendCounts().deinits, before.deinits);
});

test('zig_take_frees_with_the_creators_zig_allocator', () => {
  const before = z.cSendCounts();
  const x = z.createCSend(43); // CountedType: the counting allocator
  assert.strictEqual(z.takeCSend(x), 43); // CCounterType: the C allocator
  const after = z.cSendCounts();
  assert.strictEqual(after.allocs, before.allocs + 1);
  assert.strictEqual(after.frees, before.frees + 1);
  assert.strictEqual(after.deinits, before.deinits + 1);
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
  // The shared library: libextref.so.1, or extref.dll on Windows.
  assert.match(z.libPath(), /(libextref\.so\.1|[\\/]extref\.dll)$/);
  assert.match(z.versionString(), /^1\.\d+\.\d+$/);
});

test('zig_nothing_left_borrowed_or_held', async () => {
  await collect();
  const s = z.stats();
  assert.strictEqual(s.liveBorrows, 0);
  assert.strictEqual(s.liveHolds, 0);
});
