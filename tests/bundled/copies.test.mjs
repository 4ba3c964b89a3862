// Copies of libextref that meet in one process (tests/suites/24-bundled.sh).
//   R   the napi-rs addon built with `bundled` (EXTREF_RUST_BUNDLED)
//   G   the node-gyp addon built from the packed npm tarball (EXTREF_GYP_ADDON)
//   G2  the same addon built from another source snapshot, whose version
//       string differs (EXTREF_GYP_ADDON2)
//   Gb  G's file copied (another inode: the loader maps it again), as when
//       two npm packages each compile libextref in (EXTREF_GYP_ADDON_COPY)
//   S   the C test addon linked with the system libextref.so.1
//       (EXTREF_C_ADDON; optional: absent in the run that hides the library)
// Each copy is its own authority (man 7 extref, "Copies of the library"):
// another copy's external is EXTREF_FOREIGN, refused before its pointer is
// read, and no copy's counts change. Every refusal message is printed: what
// an addon's user sees.
import process from 'node:process';
import { assert, code, load, test } from '../cross/harness.mjs';

const env = process.env;
const R = load(env.EXTREF_RUST_BUNDLED);
const G = load(env.EXTREF_GYP_ADDON);
const G2 = load(env.EXTREF_GYP_ADDON2);
const Gb = load(env.EXTREF_GYP_ADDON_COPY);
const S = env.EXTREF_C_ADDON ? load(env.EXTREF_C_ADDON) : null;

const pick = (s) => ({ livePayloads: s.livePayloads,
  liveBorrows: s.liveBorrows, liveHolds: s.liveHolds, drops: s.drops,
  takes: s.takes });
const copies = { R, G, G2, Gb, ...(S ? { S } : {}) };
const allCounts = () => Object.fromEntries(
  Object.entries(copies).map(([k, m]) => [k, pick(m.stats())]));
const keep = [];
const FOREIGN_MSG = /did not create/;

// Refusals of an external by each copy, as { status, message }.
function refuse(by, x) {
  if (by === R) {
    const e = code(() => R.getValue(x), 'EXTREF_FOREIGN', Error);
    const e2 = code(() => R.takeValue(x), 'EXTREF_FOREIGN', Error);
    assert.match(e2.message, FOREIGN_MSG);
    return { status: e.code, message: e.message };
  }
  if (by === S) {
    const e = code(() => S.ref(x, 'send'), 'EXTREF_FOREIGN', Error);
    code(() => S.mutRef(x, 'send'), 'EXTREF_FOREIGN', Error);
    code(() => S.take(x, 'send'), 'EXTREF_FOREIGN', Error);
    return { status: e.code, message: e.message };
  }
  const r = by.get(x);
  assert.deepEqual(by.mutBegin(x).status, 'EXTREF_FOREIGN');
  assert.deepEqual(by.take(x).status, 'EXTREF_FOREIGN');
  return r;
}

function make(who, v) {
  if (who === R) return R.createCounter(v);
  if (who === S) return S.create('send', v);
  return who.create(v);
}

function readOwn(who, x) {
  if (who === R) return R.getValue(x);
  if (who === S) {
    const id = S.ref(x, 'send');
    const v = S.borrowRead(id);
    S.release(id);
    return v;
  }
  const r = who.get(x);
  assert.equal(r.status, 'EXTREF_OK', JSON.stringify(r));
  return r.value;
}

test('each_copy_works_on_its_own', () => {
  let v = 10;
  for (const [name, m] of Object.entries(copies)) {
    const x = make(m, v);
    keep.push(x);
    assert.equal(readOwn(m, x), v, name);
    v++;
  }
});

test('versions_name_the_copies', () => {
  assert.equal(G.version(), '1.1.0');
  assert.equal(Gb.version(), '1.1.0');
  assert.equal(G2.version(), env.EXTREF_GYP_ADDON2_VERSION);
  assert.equal(R.extrefVersion(), '1.1.0');
  if (S) assert.equal(S.version().string, '1.1.0');
  console.log(`# versions: G ${G.version()}, G2 ${G2.version()}, ` +
    `R ${R.extrefVersion()}${S ? `, S ${S.version().string}` : ''}`);
});

const names = Object.keys(copies);
for (const a of names) {
  for (const b of names) {
    if (a === b) continue;
    test(`${a}_payload_is_foreign_to_${b}_counts_unchanged`, () => {
      const x = make(copies[a], 77);
      keep.push(x);
      const before = allCounts();
      const r = refuse(copies[b], x);
      const after = allCounts();
      assert.equal(r.status, 'EXTREF_FOREIGN');
      assert.match(r.message, FOREIGN_MSG);
      console.log(`# ${a} -> ${b}: ${r.status}: ${r.message}`);
      assert.deepEqual(after, before, 'a copy\'s counts changed');
      assert.equal(readOwn(copies[a], x), 77, 'the creator still reads it');
    });
  }
}

test('a_borrow_held_in_one_copy_is_not_seen_by_another', () => {
  const x = G.create(5);
  keep.push(x);
  assert.equal(G.mutBegin(x).status, 'EXTREF_OK');
  // G2 refuses as foreign, not as mutably borrowed: it cannot see G's borrow.
  assert.equal(G2.get(x).status, 'EXTREF_FOREIGN');
  assert.equal(G.get(x).status, 'EXTREF_MUT_BORROWED');
  assert.equal(G.mutEnd().status, 'EXTREF_OK');
  assert.equal(G.get(x).value, 5);
});
