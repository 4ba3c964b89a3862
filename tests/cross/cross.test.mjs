// Scenario 11: cross-addon, cross-language sharing. One Node.js process
// loads the Rust addon (napi-rs, the creator), the C++ addon (extref.hpp)
// and the Zig addon (extref.zig); all three link the one staged
// libextref.so.1, so the borrow rules hold across them. Runs under Node
// (node --test), Bun and Deno (see harness.mjs).
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {
  assert, code, collect, collected, load, test, track,
} from './harness.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = process.env.EXTREF_ROOT || path.join(here, '..', '..');
const stage = process.env.EXTREF_STAGE || path.join(root, '_stage');
const files = {
  rust: process.env.EXTREF_RUST_ADDON ||
    path.join(root, 'bindings/rust/build/extref_rust_addon.node'),
  cpp: process.env.EXTREF_CPP_ADDON ||
    path.join(root, 'bindings/cpp/build/extref_cpp.node'),
  zig: process.env.EXTREF_ZIG_ADDON ||
    path.join(root, 'bindings/zig/zig-out/lib/extref_zig.node'),
};
const rust = load(files.rust);
const cpp = load(files.cpp);
const zig = load(files.zig);

const live = (s) => [s.livePayloads, s.liveBorrows, s.liveHolds, s.drops];

test('all_addons_map_the_one_staged_libextref', () => {
  const want = fs.realpathSync(path.join(stage, 'lib', 'libextref.so.1'));
  const mapped = new Set(fs.readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/).slice(5).join(' '))
    .filter((p) => /\/libextref\.so[.\d]*$/.test(p))
    .map((p) => fs.realpathSync(p)));
  assert.deepStrictEqual([...mapped], [want]);
  assert.strictEqual(fs.realpathSync(cpp.libPath()), want);
  assert.strictEqual(fs.realpathSync(zig.libPath()), want);
});

test('stats_are_shared_by_all_addons', () => {
  const before = live(rust.stats());
  assert.deepStrictEqual(live(cpp.stats()), before);
  assert.deepStrictEqual(live(zig.stats()), before);
  const c = rust.createCounter(1);
  const after = live(zig.stats());
  assert.strictEqual(after[0], before[0] + 1);
  assert.deepStrictEqual(live(cpp.stats()), after);
  assert.deepStrictEqual(live(rust.stats()), after);
  assert.strictEqual(rust.takeValue(c), 1);
});

test('rust_payload_borrowed_by_cpp_and_zig', () => {
  const c = rust.createCounter(5);
  assert.strictEqual(cpp.get(c), 5);
  assert.strictEqual(zig.get(c), 5);
  assert.strictEqual(cpp.add(c, 1), 6);
  assert.strictEqual(zig.add(c, 1), 7);
  assert.strictEqual(rust.getValue(c), 7);
  assert.strictEqual(cpp.cloneOut(c), 7);
  assert.strictEqual(zig.cloneOut(c), 7);
});

test('exclusive_in_cpp_refuses_shared_in_zig_and_rust', () => {
  const c = rust.createCounter(1);
  const e = code(() => cpp.withMut(c, () => zig.get(c)),
    'EXTREF_MUT_BORROWED');
  assert.match(e.message, /Counter/);
  assert.match(e.message, /this thread/);
  code(() => cpp.withMut(c, () => rust.getValue(c)), 'EXTREF_MUT_BORROWED');
  code(() => cpp.withMut(c, () => zig.cloneOut(c)), 'EXTREF_MUT_BORROWED');
  assert.strictEqual(rust.getValue(c), 4); // three withMut calls added 1
});

test('exclusive_in_zig_refuses_shared_in_cpp_and_rust', () => {
  const c = rust.createCounter(1);
  code(() => zig.withMut(c, () => cpp.get(c)), 'EXTREF_MUT_BORROWED');
  code(() => zig.withMut(c, () => rust.getValue(c)), 'EXTREF_MUT_BORROWED');
  code(() => zig.withMut(c, () => cpp.add(c, 1)), 'EXTREF_MUT_BORROWED');
  assert.strictEqual(cpp.get(c), 4);
});

test('exclusive_kept_by_rust_refuses_cpp_and_zig', () => {
  const c = rust.createCounter(10);
  rust.mutBorrowBegin(c);
  try {
    code(() => cpp.get(c), 'EXTREF_MUT_BORROWED');
    code(() => zig.get(c), 'EXTREF_MUT_BORROWED');
    code(() => cpp.add(c, 1), 'EXTREF_MUT_BORROWED');
    code(() => zig.take(c), 'EXTREF_MUT_BORROWED');
  } finally {
    assert.strictEqual(rust.mutBorrowEnd(), true);
  }
  assert.strictEqual(cpp.add(c, 1), 11);
  assert.strictEqual(zig.get(c), 11);
});

test('exclusive_on_a_rust_thread_refuses_zig_then_releases', async () => {
  const c = rust.createCounter(1);
  const done = rust.mutBorrowFor(c, 300);
  const e = code(() => zig.get(c), 'EXTREF_MUT_BORROWED');
  assert.match(e.message, /other thread/);
  code(() => cpp.get(c), 'EXTREF_MUT_BORROWED');
  assert.strictEqual(await done, 2);
  assert.strictEqual(zig.get(c), 2);
  assert.strictEqual(cpp.get(c), 2);
});

test('shared_in_cpp_refuses_exclusive_in_zig_and_rust', () => {
  const c = rust.createCounter(1);
  assert.strictEqual(cpp.withRef(c, () => zig.get(c) + rust.getValue(c)), 2);
  code(() => cpp.withRef(c, () => zig.add(c, 1)), 'EXTREF_BORROWED');
  code(() => zig.withRef(c, () => rust.increment(c)), 'EXTREF_BORROWED');
  code(() => zig.withRef(c, () => cpp.take(c)), 'EXTREF_BORROWED');
  assert.strictEqual(rust.getValue(c), 1);
});

test('holds_from_cpp_and_zig_refuse_take_in_rust', () => {
  const c = rust.createCounter(3);
  const hc = cpp.holdNew(c);
  const hz = zig.holdNew(c);
  code(() => rust.takeValue(c), 'EXTREF_HELD');
  assert.strictEqual(cpp.holdRelease(hc), 'EXTREF_OK');
  code(() => rust.takeValue(c), 'EXTREF_HELD');
  assert.strictEqual(zig.holdRelease(hz), 'EXTREF_OK');
  assert.strictEqual(rust.takeValue(c), 3);
  code(() => cpp.get(c), 'EXTREF_TAKEN');
  code(() => zig.get(c), 'EXTREF_TAKEN');
});

test('rust_drop_runs_exactly_once_after_cpp_and_zig_holds', async () => {
  await collect(); // earlier tests' garbage first
  const before = rust.rustDropCount();
  const zigBefore = zig.dropCount();
  let hc, hz, w;
  (() => {
    const c = rust.createCounter(20);
    w = track(c);
    assert.strictEqual(cpp.add(c, 1), 21);
    assert.strictEqual(zig.add(c, 1), 22);
    hc = cpp.holdNew(c);
    hz = zig.holdNew(c);
  })();
  await collected([w]);
  await collect(); // its finalizer runs from an immediate
  assert.strictEqual(rust.rustDropCount(), before, 'dropped while held');
  assert.strictEqual(cpp.holdAdd(hc, 1), 23);
  assert.strictEqual(zig.holdGet(hz), 23);
  assert.strictEqual(cpp.holdRelease(hc), 'EXTREF_OK');
  assert.strictEqual(rust.rustDropCount(), before, 'dropped while held');
  assert.strictEqual(zig.holdRelease(hz), 'EXTREF_OK');
  assert.strictEqual(rust.rustDropCount(), before + 1);
  await collect();
  assert.strictEqual(rust.rustDropCount(), before + 1, 'dropped twice');
  assert.strictEqual(zig.dropCount(), zigBefore, 'a Zig drop ran');
});

test('rust_drop_runs_once_after_gc_of_borrowed_external', async () => {
  await collect();
  const before = rust.rustDropCount();
  const refs = [];
  (() => {
    const c = rust.createCounter(1);
    const d = rust.createCounter(2);
    refs.push(track(c), track(d));
    cpp.withMut(c, () => zig.withRef(cpp.createCounter(0), () => 0));
    zig.swap(c, d);
  })();
  await collected(refs);
  assert.ok(await collect(() => rust.rustDropCount() >= before + 2));
  await collect();
  assert.strictEqual(rust.rustDropCount(), before + 2);
});

test('same_tag_other_layout_type_mismatch_everywhere', () => {
  const w = rust.createWideCounter(1, 2);
  code(() => cpp.get(w), 'EXTREF_TYPE_MISMATCH', TypeError);
  code(() => zig.get(w), 'EXTREF_TYPE_MISMATCH', TypeError);
  assert.strictEqual(cpp.getWide(w), 1);
  assert.strictEqual(zig.getWide(w), 1);
  code(() => rust.getValue(cpp.createWide(1)), 'EXTREF_TYPE_MISMATCH',
    TypeError);
  code(() => rust.getValue(zig.createWide(1)), 'EXTREF_TYPE_MISMATCH',
    TypeError);
  code(() => rust.getWide(zig.createCounter(1)), 'EXTREF_TYPE_MISMATCH',
    TypeError);
  code(() => zig.getWide(cpp.createCounter(1)), 'EXTREF_TYPE_MISMATCH',
    TypeError);
});

test('other_types_and_foreign_externals_refused', () => {
  code(() => cpp.get(rust.createLocal(1)), 'EXTREF_TYPE_MISMATCH', TypeError);
  code(() => zig.get(rust.createLocal(1)), 'EXTREF_TYPE_MISMATCH', TypeError);
  code(() => cpp.get(rust.createForeign(1)), 'EXTREF_FOREIGN', TypeError);
  code(() => zig.get(rust.createForeign(1)), 'EXTREF_FOREIGN', TypeError);
  code(() => rust.getValue(zig.createForeign()), 'EXTREF_FOREIGN', TypeError);
});

test('cpp_and_zig_payloads_borrowed_by_rust', async () => {
  await collect();
  const zigBefore = zig.dropCount();
  const rustBefore = rust.rustDropCount();
  const refs = [];
  (() => {
    const fromCpp = cpp.createCounter(7);
    const fromZig = zig.createCounter(8);
    refs.push(track(fromCpp), track(fromZig));
    assert.strictEqual(rust.getValue(fromCpp), 7);
    assert.strictEqual(rust.increment(fromZig), 9);
    rust.swap(fromCpp, fromZig);
    assert.deepStrictEqual([zig.get(fromCpp), cpp.get(fromZig)], [9, 7]);
    code(() => rust.withMut(fromZig, () => zig.get(fromZig)),
      'EXTREF_MUT_BORROWED');
  })();
  await collected(refs);
  assert.ok(await collect(() => zig.dropCount() > zigBefore));
  await collect();
  assert.strictEqual(zig.dropCount(), zigBefore + 1);
  assert.strictEqual(rust.rustDropCount(), rustBefore,
    "Rust's drop ran for another language's payload");
});

// Issue 14: C++ take is take-into with the creator's move. A Rust payload
// is moved out by Rust's move (freed by Rust's allocator) when the Rust
// descriptor has one, else refused with EXTREF_NOT_MOVABLE and left intact;
// never freed by C++'s delete (was: alloc-dealloc-mismatch).
test('cpp_take_of_a_rust_payload_uses_rusts_move_or_is_refused', () => {
  const c = rust.createCounter(9);
  let v;
  try {
    v = cpp.take(c);
  } catch (e) {
    assert.strictEqual(e.code, 'EXTREF_NOT_MOVABLE');
    assert.strictEqual(rust.getValue(c), 9);
    assert.strictEqual(rust.takeValue(c), 9);
    return;
  }
  assert.strictEqual(v, 9);
  code(() => rust.getValue(c), 'EXTREF_TAKEN');
});

test('nothing_left_borrowed_or_held', async () => {
  await collect();
  for (const s of [rust.stats(), cpp.stats(), zig.stats()]) {
    assert.strictEqual(s.liveBorrows, 0);
    assert.strictEqual(s.liveHolds, 0);
  }
});
