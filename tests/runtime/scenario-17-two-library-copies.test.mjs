// Scenario 17: two copies of libextref in one process. Copy A is the staged
// libextref.so.1, which the main test addon uses; copy B is compiled from
// the library's sources into build/extref_bundled.node (a static archive,
// -fvisibility=hidden, -Wl,--exclude-libs,ALL: it exports no extref_
// symbol, build.sh checks and so does the last test). B's type has the tag
// and layout of A's "send" type. Neither copy may accept the other's
// externals (EXTREF_FOREIGN), holds or borrows (EXTREF_INVALID_ARG), and
// neither may change the other's counts.
//
// Both copies hand out slots from index 0 in the order payloads are made,
// so the borrow tests below make one payload in each copy, in lock-step,
// and their borrows' tokens are bit for bit the same on 1.0: the test that
// runs first must run first (fresh copies).
import { spawnSync } from 'node:child_process';
import {
  test, addon, assert, expectCode, loadAddon, here, runtime,
} from './harness.mjs';

const bundledPath = here + 'build/extref_bundled.node';
const B = loadAddon(bundledPath);

function counts(s) {
  return { livePayloads: s.livePayloads, liveBorrows: s.liveBorrows,
    liveHolds: s.liveHolds, drops: s.drops, takes: s.takes };
}

const keep = [];
let value = 100;

for (const acq of ['ref', 'mutRef']) {
  for (const dir of ['B_releases_A', 'A_releases_B']) {
    test(`${acq}_borrow_of_one_copy_released_by_other_is_invalid_arg_` +
      `${dir}`, (t) => {
      const xA = addon.create('send', value++);
      const xB = B.create(value++);
      keep.push(xA, xB);
      const idA = addon[acq](xA, 'send');
      const [pA, tA] = addon.borrowRaw(idA);
      const [pB, tB] = B[acq](xB);
      const before = { A: counts(addon.stats()), B: counts(B.stats()) };
      const st = dir === 'B_releases_A' ? B.release(pA, tA)
        : addon.releaseRaw(pB, tB);
      const after = { A: counts(addon.stats()), B: counts(B.stats()) };
      t.log(`${runtime}: ${acq} ${dir}: tokens ${tA === tB ? 'identical' :
        'differ'} (0x${tA.toString(16)}), release: ${st}; live borrows ` +
        `A ${before.A.liveBorrows}->${after.A.liveBorrows}, ` +
        `B ${before.B.liveBorrows}->${after.B.liveBorrows}`);
      // Each copy ends its own borrow (if the other has not counted it off).
      const ownA = addon.releaseStatus(idA);
      addon.borrowForget(idA);
      const ownB = B.release(pB, tB);
      assert.equal(st, 'EXTREF_INVALID_ARG', `copy ${dir[0]} accepted copy ` +
        `${dir.at(-1)}'s ${acq} borrow: ${st} (live borrows A ` +
        `${before.A.liveBorrows}->${after.A.liveBorrows}, B ` +
        `${before.B.liveBorrows}->${after.B.liveBorrows})`);
      assert.deepEqual(after, before, 'a copy\'s counts changed');
      assert.equal(ownA, 'EXTREF_OK');
      assert.equal(ownB, 'EXTREF_OK');
    });
  }
}

test('externals_of_one_copy_are_foreign_to_the_other', () => {
  const xA = addon.create('send', 7);
  const xB = B.create(8);
  keep.push(xA, xB);
  const before = { A: counts(addon.stats()), B: counts(B.stats()) };
  for (const op of ['ref', 'mutRef', 'hold', 'take']) {
    expectCode(() => addon[op](xB, 'send'), 'EXTREF_FOREIGN');
  }
  expectCode(() => addon.cloneOut(xB, 'send'), 'EXTREF_FOREIGN');
  const got = {};
  for (const op of ['ref', 'mutRef', 'hold', 'clone', 'take']) {
    got[op] = B.access(op, xA);
  }
  assert.deepEqual(got, { ref: 'EXTREF_FOREIGN', mutRef: 'EXTREF_FOREIGN',
    hold: 'EXTREF_FOREIGN', clone: 'EXTREF_FOREIGN',
    take: 'EXTREF_FOREIGN' }, 'copy B accepted copy A\'s external');
  const after = { A: counts(addon.stats()), B: counts(B.stats()) };
  assert.deepEqual(after, before);
  // Both still work with their own.
  addon.release(addon.mutRef(xA, 'send'));
  assert.equal(B.access('mutRef', xB), 'EXTREF_OK');
});

test('holds_of_one_copy_are_invalid_arg_to_the_other', (t) => {
  const xA = addon.create('send', 9);
  const xB = B.create(10);
  keep.push(xA, xB);
  const hA = addon.hold(xA, 'send');
  const pA = addon.holdPtr(hA);
  const pB = B.hold(xB);
  const before = { A: counts(addon.stats()), B: counts(B.stats()) };
  const got = { AbyB: {}, BbyA: {} };
  for (const op of ['ref', 'mutRef', 'dup', 'release']) {
    got.AbyB[op] = B.holdOp(op, pA);
    got.BbyA[op] = addon.rawHold(op, pB).status;
  }
  const after = { A: counts(addon.stats()), B: counts(B.stats()) };
  t.log(`${runtime}: A's hold in B: ${JSON.stringify(got.AbyB)}; B's hold ` +
    `in A: ${JSON.stringify(got.BbyA)}`);
  const invalid = { ref: 'EXTREF_INVALID_ARG', mutRef: 'EXTREF_INVALID_ARG',
    dup: 'EXTREF_INVALID_ARG', release: 'EXTREF_INVALID_ARG' };
  assert.deepEqual(got, { AbyB: invalid, BbyA: invalid });
  assert.deepEqual(after, before);
  addon.holdRelease(hA);
  assert.equal(B.holdOp('release', pB), 'EXTREF_OK');
});

test('bundled_copy_exports_no_extref_symbol', (t) => {
  const res = spawnSync('nm', ['-D', '--defined-only', bundledPath],
    { encoding: 'utf8' });
  if (res.error) {
    if (runtime === 'node') throw res.error;
    t.skip(`nm could not run: ${res.error.message}`);
  }
  assert.equal(res.status, 0, res.stderr);
  const leaked = res.stdout.split('\n').filter((l) => / extref_/.test(l));
  assert.deepEqual(leaked, [], 'the bundled copy exports extref_ symbols');
  // And the two copies really are two: B's release is not A's.
  assert.notEqual(B.libraryAddress(), 0n);
});
