// Scenario 11, C-addon-only version: two separately loaded copies of the
// test addon (build/extref_test.node and a byte-for-byte copy under another
// inode, so the dynamic loader maps it twice, with its own type descriptors
// and its own drop counters) share payloads through one libextref. The
// borrow rules hold across them and only the creator's drop runs, once.
// (The Rust/C++/Zig version belongs to the cross-language suite.)
import {
  test, addon as A, assert, expectCode, collect, waitForGc, loadAddon,
  addonCopyPath, waitFor,
} from './harness.mjs';

const B = loadAddon(addonCopyPath);

test('the_copy_is_a_separate_module_with_its_own_state', () => {
  assert.notEqual(A, B);
  assert.notEqual(A.create, B.create);
  const before = B.counters().creates.total;
  A.create('counter', 1);
  assert.equal(B.counters().creates.total, before,
    'the copy shares the first one\'s counters: not loaded separately');
});

for (const [maker, user, mname, uname] of [[A, B, 'A', 'B'],
  [B, A, 'B', 'A']]) {
  test(`created_by_${mname}_borrowed_by_${uname}_same_type_by_tag`, () => {
    const x = maker.create('counter', 41);
    const id = user.ref(x, 'counter');
    assert.equal(user.borrowRead(id), 41);
    user.release(id);
    const m = user.mutRef(x, 'counter');
    user.borrowWrite(m, 42);
    user.release(m);
    assert.equal(maker.cloneOut(x, 'counter'), 42);
    assert.equal(user.cloneOut(x, 'counter'), 42);
  });

  test(`exclusive_in_${mname}_refuses_shared_in_${uname}`, () => {
    const x = maker.create('send', 1);
    const m = maker.mutRef(x, 'send');
    expectCode(() => user.ref(x, 'send'), 'EXTREF_MUT_BORROWED');
    expectCode(() => user.mutRef(x, 'send'), 'EXTREF_MUT_BORROWED');
    expectCode(() => user.take(x, 'send'), 'EXTREF_MUT_BORROWED');
    maker.release(m);
    const s = user.ref(x, 'send');
    expectCode(() => maker.mutRef(x, 'send'), 'EXTREF_BORROWED');
    expectCode(() => maker.take(x, 'send'), 'EXTREF_BORROWED');
    user.release(s);
    const h = user.hold(x, 'send');
    expectCode(() => maker.take(x, 'send'), 'EXTREF_HELD');
    user.holdRelease(h);
    assert.equal(maker.take(x, 'send'), 1);
    expectCode(() => user.ref(x, 'send'), 'EXTREF_TAKEN');
  });

  test(`type_checks_hold_across_${mname}_and_${uname}`, () => {
    const x = maker.create('counter', 3);
    expectCode(() => user.ref(x, 'big'), 'EXTREF_TYPE_MISMATCH');
    expectCode(() => user.ref(x, 'other'), 'EXTREF_TYPE_MISMATCH');
    expectCode(() => user.ref(maker.foreign('one'), 'counter'),
      'EXTREF_FOREIGN');
  });

  test(`only_the_creator_${mname}_drops_once`, async () => {
    await collect();
    const mk0 = maker.counters();
    const us0 = user.counters();
    (() => {
      const x = maker.create('counter', 5);
      user.release(user.ref(x, 'counter'));
      const h = user.hold(x, 'counter');
      user.holdRelease(h);
    })();
    await waitForGc(() => maker.counters().drops.counter >
      mk0.drops.counter, 'the drop');
    await collect();
    const mk1 = maker.counters();
    const us1 = user.counters();
    assert.equal(mk1.drops.counter, mk0.drops.counter + 1);
    assert.equal(us1.drops.total, us0.drops.total, 'the user\'s drop ran');
    assert.equal(mk1.doubleDrops, 0);
  });

  test(`hold_from_${uname}_on_a_thread_outlives_${mname}s_external`,
    async () => {
      await collect();
      const mk0 = maker.counters();
      let job;
      (() => {
        const x = maker.create('send', 6);
        job = user.jobStart('ref', x, 'send', 0);
      })();
      await waitFor(() => user.jobState(job).state >= 1, 'the thread');
      await collect(10);
      assert.equal(maker.counters().drops.send, mk0.drops.send);
      user.jobOpen(job);
      const r = user.jobJoin(job);
      assert.equal(r.acquire, 'EXTREF_OK');
      assert.equal(r.valueSeen, 6);
      assert.equal(r.holdRelease, 'EXTREF_OK');
      await waitForGc(() => maker.counters().drops.send > mk0.drops.send,
        'the drop');
      const mk1 = maker.counters();
      assert.equal(mk1.drops.send, mk0.drops.send + 1);
      assert.equal(mk1.dropsEnvNull.send, mk0.dropsEnvNull.send + 1);
    });
}

test('both_copies_see_the_same_library_stats', () => {
  const x = A.create('counter', 1);
  const id = B.ref(x, 'counter');
  assert.deepEqual(A.stats(), B.stats());
  B.release(id);
  assert.equal(A.stats().liveBorrows, B.stats().liveBorrows);
});
