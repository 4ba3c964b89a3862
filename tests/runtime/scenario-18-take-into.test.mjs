// Scenario 18, C-addon version: take across allocators (ABI 1.1
// take-into). A payload is moved out into the taker's memory with the
// CREATOR's move callback, so the creator's allocator frees the creator's
// allocation whichever addon takes it. Two copies of the test addon (own
// descriptors, own counters) stand for two addons: A creates, B takes, and
// only A's move runs; the drop never runs. The same refusals as take, plus
// EXTREF_BAD_SIZE and EXTREF_NOT_MOVABLE. (The Rust/C++/Zig takes built on
// take-into are proven by their binding suites.)
import {
  test, addon as A, assert, expectCode, collect, loadAddon, addonCopyPath,
} from './harness.mjs';

const B = loadAddon(addonCopyPath);

for (const kind of ['counter', 'send']) {
  test(`take_into_moves_with_the_creators_move_${kind}`, async () => {
    const before = A.stats();
    const drops = A.counters().drops[kind];
    const movesA = A.moves(kind);
    const x = A.create(kind, 17);
    assert.equal(A.takeInto(x, kind), 17);
    assert.equal(A.moves(kind), movesA + 1);
    assert.equal(A.stats().takes, before.takes + 1);
    expectCode(() => A.ref(x, kind), 'EXTREF_TAKEN');
    expectCode(() => A.takeInto(x, kind), 'EXTREF_TAKEN');
    await collect();
    assert.equal(A.counters().drops[kind], drops, 'a taken payload dropped');
  });

  test(`take_into_by_another_addon_runs_the_creators_move_${kind}`, () => {
    const movesA = A.moves(kind);
    const movesB = B.moves(kind);
    const x = A.create(kind, 23);
    assert.equal(B.takeInto(x, kind), 23);
    assert.equal(A.moves(kind), movesA + 1, "the creator's move did not run");
    assert.equal(B.moves(kind), movesB, "the taker's move ran");
    expectCode(() => A.ref(x, kind), 'EXTREF_TAKEN');
  });
}

test('take_into_has_the_refusals_of_take', () => {
  const x = A.create('send', 5);
  const r = A.ref(x, 'send');
  expectCode(() => B.takeInto(x, 'send'), 'EXTREF_BORROWED');
  A.release(r);
  const m = A.mutRef(x, 'send');
  expectCode(() => B.takeInto(x, 'send'), 'EXTREF_MUT_BORROWED');
  A.release(m);
  const h = A.hold(x, 'send');
  expectCode(() => B.takeInto(x, 'send'), 'EXTREF_HELD');
  A.holdRelease(h);
  expectCode(() => A.takeInto(x, 'send', -1), 'EXTREF_BAD_SIZE');
  expectCode(() => A.takeInto(x, 'other'), 'EXTREF_TYPE_MISMATCH');
  expectCode(() => A.takeInto(42, 'send'), 'EXTREF_NOT_EXTERNAL');
  assert.equal(A.takeInto(x, 'send'), 5);
});

test('take_into_of_a_type_without_move_is_not_movable', () => {
  const x = A.create('noclone', 9);
  expectCode(() => A.takeInto(x, 'noclone'), 'EXTREF_NOT_MOVABLE');
  // Still there: borrows work.
  const r = A.ref(x, 'noclone');
  assert.equal(A.borrowRead(r), 9);
  A.release(r);
});
