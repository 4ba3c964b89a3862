// Scenario 4: re-entrancy through a JS callback (wasm-bindgen #1578, #4440;
// PyO3 #2525). Native code holds an exclusive borrow while it calls JS that
// asks for the same payload: a catchable error with code
// EXTREF_MUT_BORROWED whose message says the borrow is on this thread.
import {
  test, addon, assert, expectCode, onThisThread,
} from './harness.mjs';

const THIS_THREAD = onThisThread;

for (const kind of ['counter', 'send']) {
  test(`reentrant_ref_under_exclusive_borrow_is_catchable_${kind}`, () => {
    const x = addon.create(kind, 1);
    const seen = addon.withMut(x, kind, () => {
      const errs = {};
      for (const op of ['ref', 'mutRef', 'cloneOut']) {
        errs[op] = expectCode(() => addon[op](x, kind),
          'EXTREF_MUT_BORROWED', THIS_THREAD);
      }
      return errs;
    });
    assert.ok(/Counter/.test(seen.ref.message), seen.ref.message);
    // The borrow was released when withMut returned.
    addon.release(addon.mutRef(x, kind));
  });
}

test('reentrant_take_under_exclusive_borrow_says_this_thread', () => {
  const x = addon.create('counter', 7);
  addon.withMut(x, 'counter', () => {
    expectCode(() => addon.take(x, 'counter'), 'EXTREF_MUT_BORROWED',
      THIS_THREAD);
  });
  assert.equal(addon.take(x, 'counter'), 7);
});

test('reentrant_error_propagates_and_the_borrow_is_released', () => {
  const x = addon.create('counter', 2);
  const base = addon.stats().liveBorrows;
  const err = expectCode(
    () => addon.withMut(x, 'counter', () => addon.ref(x, 'counter')),
    'EXTREF_MUT_BORROWED', THIS_THREAD);
  assert.ok(err instanceof Error);
  assert.equal(addon.stats().liveBorrows, base);
  assert.equal(addon.cloneOut(x, 'counter'), 2);
});

test('reentrant_mut_ref_under_shared_borrow_refused_borrowed', () => {
  const x = addon.create('counter', 3);
  const err = addon.withRef(x, 'counter', () => {
    // More shared borrows are fine.
    const id = addon.ref(x, 'counter');
    assert.equal(addon.borrowRead(id), 3);
    addon.release(id);
    return expectCode(() => addon.mutRef(x, 'counter'), 'EXTREF_BORROWED',
      THIS_THREAD);
  });
  assert.equal(err.code, 'EXTREF_BORROWED');
});

test('hold_allowed_under_exclusive_borrow_but_its_borrows_refused', () => {
  const x = addon.create('counter', 4);
  addon.withMut(x, 'counter', () => {
    const h = addon.hold(x, 'counter');
    expectCode(() => addon.holdRef(h), 'EXTREF_MUT_BORROWED');
    expectCode(() => addon.holdMutRef(h), 'EXTREF_MUT_BORROWED');
    expectCode(() => addon.holdCloneOut(h), 'EXTREF_MUT_BORROWED');
    addon.holdRelease(h);
  });
  addon.release(addon.mutRef(x, 'counter'));
});

test('nested_callbacks_on_different_externals_succeed', () => {
  const x = addon.create('counter', 5);
  const y = addon.create('counter', 6);
  const v = addon.withMut(x, 'counter', () =>
    addon.withMut(y, 'counter', () => {
      expectCode(() => addon.ref(x, 'counter'), 'EXTREF_MUT_BORROWED');
      expectCode(() => addon.ref(y, 'counter'), 'EXTREF_MUT_BORROWED');
      return 'inner';
    }));
  assert.equal(v, 'inner');
  assert.equal(addon.cloneOut(x, 'counter'), 5);
  assert.equal(addon.cloneOut(y, 'counter'), 6);
});
