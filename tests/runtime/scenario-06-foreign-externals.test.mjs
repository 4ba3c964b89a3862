// Scenario 6: wrong type, foreign and hostile externals (neon #591,
// node-addon-api #1260, napi-rs #3540). Every access reports
// EXTREF_TYPE_MISMATCH, EXTREF_FOREIGN or EXTREF_NOT_EXTERNAL, as a
// TypeError, and the foreign pointer is never read (run under ASan to see
// that part; here a read of (void *)1 or of a freed block would crash).
import { test, addon, assert, expectCode, collect, snapshot } from
  './harness.mjs';

// Every access to an external, each with its kind argument.
const ACCESS = {
  ref: (v, k) => addon.ref(v, k),
  mutRef: (v, k) => addon.mutRef(v, k),
  cloneOut: (v, k) => addon.cloneOut(v, k),
  take: (v, k) => addon.take(v, k),
  hold: (v, k) => addon.hold(v, k),
  jobStart: (v, k) => addon.jobStart('hold', v, k, 1),
  asyncHold: (v, k) => addon.asyncHold(v, k, 0, 0, () => {}),
  withMut: (v, k) => addon.withMut(v, k, () => {}),
  swap: (v, k) => addon.swap(v, v, k),
};

const JS_VALUES = {
  undefined: undefined,
  null: null,
  true: true,
  false: false,
  zero: 0,
  number: 42,
  nan: NaN,
  string: 'Counter',
  emptyString: '',
  symbol: Symbol('extref'),
  bigint: 10n,
  object: {},
  array: [1, 2],
  function: () => 1,
  date: new Date(0),
  arrayBuffer: new ArrayBuffer(8),
  uint8Array: new Uint8Array(8),
  promise: Promise.resolve(1),
  error: new Error('x'),
  proxy: new Proxy({}, {}),
  boxedNumber: Object(1),
  addonModule: addon,
};

for (const [vname, value] of Object.entries(JS_VALUES)) {
  test(`js_value_${vname}_is_not_external_for_every_access`, () => {
    for (const [op, fn] of Object.entries(ACCESS)) {
      const err = expectCode(() => fn(value, 'counter'),
        'EXTREF_NOT_EXTERNAL');
      assert.ok(err.message.length > 0, op);
    }
  });
}

for (const what of ['one', 'byte', 'freed', 'null']) {
  test(`plain_napi_external_around_${what}_is_foreign`, async () => {
    await collect();
    const before = snapshot();
    const ext = addon.foreign(what);
    for (const kind of ['counter', 'send', 'big']) {
      for (const [op, fn] of Object.entries(ACCESS)) {
        try {
          expectCode(() => fn(ext, kind), 'EXTREF_FOREIGN');
        } catch (e) {
          e.message = `${op}(${what}, ${kind}): ${e.message}`;
          throw e;
        }
      }
    }
    const after = snapshot();
    assert.equal(after.stats.liveBorrows, before.stats.liveBorrows);
    assert.equal(after.stats.liveHolds, before.stats.liveHolds);
    assert.equal(after.stats.livePayloads, before.stats.livePayloads);
    assert.equal(after.counters.drops.total, before.counters.drops.total);
  });
}

const MISMATCHES = [
  ['counter', 'other', 'another tag, same size'],
  ['counter', 'big', 'same tag, another payload_size'],
  ['big', 'counter', 'same tag, smaller payload_size'],
  ['counter', 'send', 'another tag and flags'],
  ['send', 'jsdrop', 'another tag'],
];

for (const [made, asked, why] of MISMATCHES) {
  test(`${made}_asked_as_${asked}_is_type_mismatch`, () => {
    const ext = addon.create(made, 9);
    for (const [op, fn] of Object.entries(ACCESS)) {
      try {
        expectCode(() => fn(ext, asked), 'EXTREF_TYPE_MISMATCH');
      } catch (e) {
        e.message = `${op} (${why}): ${e.message}`;
        throw e;
      }
    }
    // The right type still works, and the payload was not touched.
    assert.equal(addon.cloneOut(ext, made), 9);
    assert.equal(addon.take(ext, made), 9);
  });
}

test('type_mismatch_message_names_both_types', () => {
  const ext = addon.create('other', 1);
  const err = expectCode(() => addon.ref(ext, 'counter'),
    'EXTREF_TYPE_MISMATCH');
  assert.match(err.message, /Counter|Other/, err.message);
});

test('hostile_inputs_in_a_loop_leave_everything_unchanged', async () => {
  await collect();
  const before = snapshot();
  const exts = ['one', 'byte', 'freed', 'null'].map((w) => addon.foreign(w));
  const mine = addon.create('counter', 3);
  for (let i = 0; i < 2000; i++) {
    for (const e of exts) {
      expectCode(() => addon.ref(e, 'counter'), 'EXTREF_FOREIGN');
    }
    expectCode(() => addon.ref(mine, 'big'), 'EXTREF_TYPE_MISMATCH');
    expectCode(() => addon.ref(i, 'counter'), 'EXTREF_NOT_EXTERNAL');
  }
  assert.equal(addon.cloneOut(mine, 'counter'), 3);
  const after = snapshot();
  assert.equal(after.stats.liveBorrows, before.stats.liveBorrows);
  assert.equal(after.stats.liveHolds, before.stats.liveHolds);
});
