// Scenario 3: aliased exclusive borrows in one call, swap(x, x). The second
// mut_ref fails with EXTREF_MUT_BORROWED; ref + mut_ref of the same
// external fails with EXTREF_BORROWED; the first borrow is given back.
import { test, addon, assert, expectCode, collect, snapshot } from
  './harness.mjs';

for (const kind of ['counter', 'send']) {
  test(`swap_same_external_refused_mut_borrowed_${kind}`, () => {
    const x = addon.create(kind, 1);
    const base = addon.stats().liveBorrows;
    expectCode(() => addon.swap(x, x, kind), 'EXTREF_MUT_BORROWED');
    assert.equal(addon.stats().liveBorrows, base, 'first borrow leaked');
    // x is still fully usable: exclusive access works again.
    const id = addon.mutRef(x, kind);
    assert.equal(addon.borrowRead(id), 1);
    addon.release(id);
  });

  test(`ref_then_mut_of_same_external_refused_borrowed_${kind}`, () => {
    const x = addon.create(kind, 2);
    const base = addon.stats().liveBorrows;
    expectCode(() => addon.refThenMut(x, x, kind), 'EXTREF_BORROWED');
    assert.equal(addon.stats().liveBorrows, base);
  });

  test(`swap_of_two_externals_works_${kind}`, () => {
    const x = addon.create(kind, 10);
    const y = addon.create(kind, 20);
    addon.swap(x, y, kind);
    assert.equal(addon.cloneOut(x, kind), 20);
    assert.equal(addon.cloneOut(y, kind), 10);
    addon.refThenMut(x, y, kind);
  });
}

test('mut_ref_refuses_second_mut_ref_and_ref_across_calls', () => {
  const x = addon.create('counter', 3);
  const id = addon.mutRef(x, 'counter');
  expectCode(() => addon.mutRef(x, 'counter'), 'EXTREF_MUT_BORROWED',
    /Counter/);
  expectCode(() => addon.ref(x, 'counter'), 'EXTREF_MUT_BORROWED');
  expectCode(() => addon.cloneOut(x, 'counter'), 'EXTREF_MUT_BORROWED');
  addon.borrowWrite(id, 33);
  addon.release(id);
  assert.equal(addon.cloneOut(x, 'counter'), 33);
});

test('many_shared_borrows_coexist_and_refuse_mut_ref', () => {
  const x = addon.create('counter', 4);
  const base = addon.stats().liveBorrows;
  const ids = [];
  for (let i = 0; i < 100; i++) ids.push(addon.ref(x, 'counter'));
  assert.equal(addon.stats().liveBorrows, base + 100);
  for (const id of ids) assert.equal(addon.borrowRead(id), 4);
  const err = expectCode(() => addon.mutRef(x, 'counter'),
    'EXTREF_BORROWED', /Counter/);
  assert.match(err.message, /100/, 'message does not count the borrows');
  for (const id of ids) addon.release(id);
  assert.equal(addon.stats().liveBorrows, base);
  addon.release(addon.mutRef(x, 'counter'));
});

test('refused_borrows_do_not_change_counts', async () => {
  await collect();
  const before = snapshot();
  const x = addon.create('counter', 5);
  const id = addon.mutRef(x, 'counter');
  for (let i = 0; i < 1000; i++) {
    expectCode(() => addon.swap(x, x, 'counter'), 'EXTREF_MUT_BORROWED');
  }
  addon.release(id);
  for (let i = 0; i < 1000; i++) {
    expectCode(() => addon.swap(x, x, 'counter'), 'EXTREF_MUT_BORROWED');
    expectCode(() => addon.refThenMut(x, x, 'counter'), 'EXTREF_BORROWED');
  }
  const after = snapshot();
  assert.equal(after.stats.liveBorrows, before.stats.liveBorrows);
  assert.equal(after.stats.livePayloads, before.stats.livePayloads + 1);
  assert.equal(after.counters.drops.total, before.counters.drops.total);
});
