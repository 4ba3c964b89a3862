// The C++ binding (include/extref.hpp) through the plain Node-API addon.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import process from 'node:process';
import {
  assert, code, collect, collected, load, runtime, Skip, test, track,
} from '../../../tests/cross/harness.mjs';

const buildDir = process.env.EXTREF_CPP_BUILD ||
  path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'build');

const addonPath = path.join(buildDir, 'extref_cpp.node');
const a = load(addonPath);
// A second C++ addon, built separately from the same source with its own
// operator new/delete for Tracked (EXTREF_TEST_ALLOC).
const alloc = load(path.join(buildDir, 'extref_cpp_alloc.node'));

test('create_and_shared_borrow', () => {
  const c = a.createCounter(5);
  assert.strictEqual(typeof c, 'object');
  assert.strictEqual(a.get(c), 5);
});

test('exclusive_borrow_writes_through_operator_arrow', () => {
  const c = a.createCounter(5);
  assert.strictEqual(a.add(c, 3), 8);
  assert.strictEqual(a.get(c), 8);
});

test('swap_of_two_externals_swaps', () => {
  const x = a.createCounter(1);
  const y = a.createCounter(2);
  a.swap(x, y);
  assert.deepStrictEqual([a.get(x), a.get(y)], [2, 1]);
});

test('aliased_mut_borrows_refused_mut_borrowed', () => {
  const x = a.createCounter(1);
  const e = code(() => a.swap(x, x), 'EXTREF_MUT_BORROWED');
  assert.match(e.message, /Counter/);
  assert.strictEqual(a.get(x), 1);
  assert.strictEqual(a.stats().liveBorrows, 0);
});

test('ref_then_mut_of_same_refused_borrowed', () => {
  const x = a.createCounter(1);
  code(() => a.refThenMut(x, x), 'EXTREF_BORROWED');
  const y = a.createCounter(10);
  a.refThenMut(x, y);
  assert.strictEqual(a.get(y), 11);
});

test('reentrant_callback_refused_while_mut_borrowed', () => {
  const x = a.createCounter(1);
  let inner;
  assert.throws(() => a.withMut(x, () => {
    inner = code(() => a.get(x), 'EXTREF_MUT_BORROWED');
    throw inner;
  }), (e) => e === inner);
  assert.match(inner.message, /this thread/);
  // The guard was released while the JS exception unwound the call.
  assert.strictEqual(a.stats().liveBorrows, 0);
  assert.strictEqual(a.add(x, 1), 3);
});

test('shared_borrows_coexist_and_refuse_mut', () => {
  const x = a.createCounter(4);
  assert.strictEqual(a.withRef(x, () => a.get(x)), 4);
  code(() => a.withRef(x, () => a.add(x, 1)), 'EXTREF_BORROWED');
  assert.strictEqual(a.stats().liveBorrows, 0);
});

test('raii_guards_release_on_scope_exit_and_move', () => {
  const x = a.createCounter(1);
  assert.deepStrictEqual(a.raii(x), {
    before: 0, inside: 2, moved: 2, afterMove: 1, after: 0,
    movedFromEmpty: true,
  });
  assert.strictEqual(a.stats().liveBorrows, 0);
});

test('explicit_release_then_empty_release_is_invalid_arg', () => {
  const x = a.createCounter(1);
  assert.deepStrictEqual(a.releaseTwice(x), ['EXTREF_OK',
    'EXTREF_INVALID_ARG']);
  assert.strictEqual(a.add(x, 1), 2);
});

test('clone_out_uses_copy_constructor_and_is_independent', () => {
  const x = a.createCounter(7);
  assert.strictEqual(a.cloneOut(x), 7);
  assert.strictEqual(a.cloneAndBump(x), 1007);
  assert.strictEqual(a.get(x), 7);
});

test('clone_out_refused_while_mut_borrowed', () => {
  const x = a.createCounter(7);
  code(() => a.withMut(x, () => a.cloneOut(x)), 'EXTREF_MUT_BORROWED');
});

test('clone_out_of_non_copyable_type_not_cloneable', () => {
  code(() => a.cloneNoClone(a.createNoClone(3)), 'EXTREF_NOT_CLONEABLE');
});

test('throwing_copy_constructor_is_clone_failed_not_an_exception', () => {
  const x = a.createThrower(3);
  const e = code(() => a.cloneThrower(x), 'EXTREF_CLONE_FAILED');
  assert.match(e.message, /Thrower/);
  assert.strictEqual(a.getThrower(x), 3);
  assert.strictEqual(a.stats().liveBorrows, 0);
});

test('throwing_destructor_in_drop_is_contained_and_reported', async () => {
  const before = a.throwerDestructs();
  a.recordIncidents(true);
  try {
    let w;
    (() => { w = track(a.createThrower(-1)); })();
    await collected([w]);
    const seen = await collect(() => a.throwerDestructs() > before);
    assert.ok(seen, 'the drop never ran');
    await collect();
    assert.strictEqual(a.throwerDestructs(), before + 1);
    const i = a.lastIncident();
    assert.strictEqual(i.count, 1);
    assert.strictEqual(i.kind, 'destructor_threw');
    assert.match(i.message,
      /the destructor of a Thrower payload threw \(throwing destructor\)/);
  } finally {
    a.recordIncidents(false);
  }
});

test('drop_runs_exactly_once_after_gc', async () => {
  const before = a.trackedDestructs();
  let w;
  (() => {
    const t = a.createTracked(9);
    w = track(t);
    assert.strictEqual(a.getTracked(t), 9);
  })();
  await collected([w]);
  assert.ok(await collect(() => a.trackedDestructs() > before));
  await collect();
  assert.strictEqual(a.trackedDestructs(), before + 1);
});

test('take_moves_out_by_value_and_destroys_once', async () => {
  const before = a.trackedDestructs();
  const takes = a.stats().takes;
  const t = a.createTracked(5);
  assert.strictEqual(a.takeTracked(t), 5);
  assert.strictEqual(a.trackedDestructs(), before + 1);
  assert.strictEqual(a.stats().takes, takes + 1);
  code(() => a.getTracked(t), 'EXTREF_TAKEN');
  code(() => a.takeTracked(t), 'EXTREF_TAKEN');
  await collect();
  assert.strictEqual(a.trackedDestructs(), before + 1, 'dropped after take');
});

test('take_into_caller_storage', () => {
  const before = a.trackedDestructs();
  const t = a.createTracked(6);
  assert.strictEqual(a.takeTrackedInto(t), 6);
  assert.strictEqual(a.trackedDestructs(), before + 1);
  code(() => a.takeTrackedInto(t), 'EXTREF_TAKEN');
});

// Issue 14, scenario 18 for C++: take of a payload another addon created
// runs the creator's move, so its operator delete frees its operator new's
// memory (the taker's global delete was an alloc-dealloc-mismatch under
// ASan), and the value is destroyed once, on the taker's side.
test('take_of_another_addons_payload_frees_with_the_creators_allocator',
  () => {
    const mine = a.trackedDestructs();
    const theirs = alloc.trackedDestructs();
    const counts = alloc.allocCounts();
    const t = alloc.createTracked(7);
    assert.strictEqual(alloc.allocCounts().news, counts.news + 1);
    assert.strictEqual(a.takeTracked(t), 7);
    assert.deepStrictEqual(alloc.allocCounts(),
      { news: counts.news + 1, deletes: counts.deletes + 1 },
      "the creator's operator delete did not free the payload");
    assert.strictEqual(a.trackedDestructs(), mine + 1,
      "the taker's destructor did not run once");
    assert.strictEqual(alloc.trackedDestructs(), theirs,
      'the creator destroyed a live value');
    code(() => alloc.getTracked(t), 'EXTREF_TAKEN');
    // And the other way round: the default allocator's payload taken by
    // the addon with its own.
    const u = a.createTracked(8);
    assert.strictEqual(alloc.takeTracked(u), 8);
    assert.strictEqual(alloc.trackedDestructs(), theirs + 1);
    assert.deepStrictEqual(alloc.allocCounts(),
      { news: counts.news + 1, deletes: counts.deletes + 1 });
  });

// Scenario 20 for C++: exceptions in the move and drop callbacks.
test('throwing_move_constructor_is_not_movable_and_leaves_the_payload', () => {
  const f = a.fragileCounts();
  const x = a.createFragile(11, 1);
  const e = code(() => a.takeFragile(x), 'EXTREF_NOT_MOVABLE');
  assert.match(e.message, /Fragile/);
  assert.strictEqual(a.getFragile(x), 11);
  assert.strictEqual(a.stats().liveBorrows, 0);
  assert.deepStrictEqual(a.fragileCounts(), f, 'something was destroyed');
  code(() => a.takeFragile(x), 'EXTREF_NOT_MOVABLE');
  assert.strictEqual(a.getFragile(x), 11);
});

test('destructor_throwing_after_the_move_is_contained_and_reported', () => {
  const f = a.fragileCounts();
  a.recordIncidents(true);
  try {
    const x = a.createFragile(12, 2);
    assert.strictEqual(a.takeFragile(x), 12);
    const i = a.lastIncident();
    assert.strictEqual(i.count, 1);
    assert.strictEqual(i.kind, 'destructor_threw');
    assert.match(i.message,
      /Fragile payload threw \(moved-from Fragile threw\)/);
    code(() => a.getFragile(x), 'EXTREF_TAKEN');
  } finally {
    a.recordIncidents(false);
  }
  // The taker's value was destroyed once; the original's memory came back.
  assert.deepStrictEqual(a.fragileCounts(),
    { destructs: f.destructs + 1, deletes: f.deletes + 1 });
});

test('copyable_type_with_throwing_move_is_taken_by_copy', () => {
  const x = a.createCopyTake(13);
  assert.strictEqual(a.takeCopyTake(x), 13);
  code(() => a.takeCopyTake(x), 'EXTREF_TAKEN');
});

test('take_refused_while_borrowed', () => {
  const x = a.createCounter(1);
  code(() => a.withRef(x, () => a.take(x)), 'EXTREF_BORROWED');
  code(() => a.withMut(x, () => a.take(x)), 'EXTREF_MUT_BORROWED');
  assert.strictEqual(a.take(x), 2);
});

test('take_refused_while_held', () => {
  const x = a.createCounter(1);
  const h = a.holdNew(x);
  code(() => a.take(x), 'EXTREF_HELD');
  assert.strictEqual(a.holdRelease(h), 'EXTREF_OK');
  assert.strictEqual(a.take(x), 1);
});

test('hold_keeps_payload_after_gc_and_drops_on_release', async () => {
  let h, w;
  (() => {
    const x = a.createCounter(41);
    w = track(x);
    h = a.holdNew(x);
  })();
  await collected([w]);
  await collect(); // its finalizer runs from an immediate
  assert.strictEqual(a.holdGet(h), 41);
  assert.strictEqual(a.holdAdd(h, 1), 42);
  const s = a.stats();
  assert.strictEqual(a.holdRelease(h), 'EXTREF_OK');
  const t = a.stats();
  assert.strictEqual(t.drops, s.drops + 1);
  assert.strictEqual(t.deferredDrops, s.deferredDrops + 1);
  assert.strictEqual(t.liveHolds, s.liveHolds - 1);
});

test('hold_dup_clone_and_release', () => {
  const x = a.createCounter(3);
  const h1 = a.holdNew(x);
  const h2 = a.holdDup(h1);
  assert.notStrictEqual(h1, h2);
  assert.strictEqual(a.holdAdd(h1, 2), 5);
  assert.strictEqual(a.holdGet(h2), 5);
  assert.strictEqual(a.holdClone(h2), 5);
  assert.strictEqual(a.get(x), 5);
  assert.strictEqual(a.stats().liveHolds, 2);
  assert.strictEqual(a.holdRelease(h1), 'EXTREF_OK');
  code(() => a.take(x), 'EXTREF_HELD');
  assert.strictEqual(a.holdRelease(h2), 'EXTREF_OK');
  assert.strictEqual(a.stats().liveHolds, 0);
  assert.strictEqual(a.take(x), 5);
});

test('hold_borrow_and_release_on_a_std_thread', () => {
  const x = a.createCounter(1);
  const h = a.holdNew(x);
  assert.strictEqual(a.holdAddOnThread(h, 10), 'EXTREF_OK');
  assert.strictEqual(a.get(x), 11);
  // Refused on the thread while JS holds an exclusive borrow.
  let seen;
  a.withMut(x, () => { seen = a.holdAddOnThread(h, 10); });
  assert.strictEqual(seen, 'EXTREF_MUT_BORROWED');
  assert.strictEqual(a.get(x), 12);
  assert.strictEqual(a.holdRelease(h), 'EXTREF_OK');
});

test('thread_bound_guards_report_wrong_thread_and_stay_owned', () => {
  const x = a.createNoClone(5);
  const before = a.stats();
  assert.deepStrictEqual(a.threadBound(x), [
    'EXTREF_WRONG_THREAD', // hold.borrow() on the std::thread
    'EXTREF_WRONG_THREAD', // hold.release() there
    true, //                  the hold is still owned
    'EXTREF_WRONG_THREAD', // guard.release() there
    true, //                  the guard is still owned
    'EXTREF_OK', //           hold.release() back on the JS thread
    'EXTREF_OK', //           guard.release() back on the JS thread
  ]);
  const after = a.stats();
  assert.strictEqual(after.liveHolds, before.liveHolds);
  assert.strictEqual(after.liveBorrows, before.liveBorrows);
});

// Issue 14: a guard or hold of a thread-bound payload destroyed on another
// thread cannot release it (EXTREF_WRONG_THREAD). Its destructor reports an
// incident with the live handle, which can still be released on the
// payload's thread.
for (const what of ['ref', 'mut', 'hold']) {
  test(`${what}_destroyed_off_its_thread_is_reported_with_its_handle`, () => {
    const x = a.createNoClone(5);
    const before = a.stats();
    const r = a.leakOffThread(x, what);
    assert.strictEqual(r.count, 1, 'no incident reported');
    assert.strictEqual(r.kind,
      what === 'hold' ? 'hold_not_released' : 'borrow_not_released');
    assert.strictEqual(r.status, 'EXTREF_WRONG_THREAD');
    assert.match(r.message,
      /destroyed without being released \(EXTREF_WRONG_THREAD: .*NoClone/);
    if (what === 'hold') {
      assert.strictEqual(r.liveHolds, before.liveHolds + 1);
    } else {
      assert.strictEqual(r.liveBorrows, before.liveBorrows + 1);
    }
    assert.strictEqual(r.releasedHere, 'EXTREF_OK');
    const after = a.stats();
    assert.strictEqual(after.liveBorrows, before.liveBorrows);
    assert.strictEqual(after.liveHolds, before.liveHolds);
  });
}

test('default_incident_handler_prints_and_asserts_without_ndebug', () => {
  if (runtime !== 'node') throw new Skip('spawns a node child process');
  const script = `const a = require(${JSON.stringify(addonPath)});
    a.guardDiesOffThread(a.createNoClone(1)); console.log('survived');`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.match(r.stderr, new RegExp('extref: a borrow guard destroyed ' +
    'without being released \\(EXTREF_WRONG_THREAD: '));
  assert.match(r.stderr, /Assertion .* failed/);
  assert.strictEqual(r.signal, 'SIGABRT');
  assert.doesNotMatch(r.stdout, /survived/);
});

test('same_tag_other_layout_type_mismatch', () => {
  const w = a.createWide(1);
  const e = code(() => a.get(w), 'EXTREF_TYPE_MISMATCH', TypeError);
  assert.match(e.message, /WideCounter/);
  code(() => a.getWide(a.createCounter(1)), 'EXTREF_TYPE_MISMATCH',
    TypeError);
  assert.strictEqual(a.getWide(w), 1);
});

test('foreign_external_refused', () => {
  code(() => a.get(a.createForeign()), 'EXTREF_FOREIGN', TypeError);
  code(() => a.add(a.createForeign(), 1), 'EXTREF_FOREIGN', TypeError);
});

test('non_externals_refused', () => {
  for (const v of [1, 'x', {}, null, undefined, [], () => {}]) {
    code(() => a.get(v), 'EXTREF_NOT_EXTERNAL', TypeError);
  }
});

test('nothing_left_borrowed_or_held', async () => {
  await collect();
  const s = a.stats();
  assert.strictEqual(s.liveBorrows, 0);
  assert.strictEqual(s.liveHolds, 0);
});
