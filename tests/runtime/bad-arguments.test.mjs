// Every public function with every kind of bad argument: NULL pointers, a
// too small struct_size, a value of each JS type, foreign and stale
// handles, a zeroed borrow. Each call must return a status (never crash),
// and the status must be the one the contract names.
import {
  test, addon, assert, expectCode, collect, snapshot,
} from './harness.mjs';

const INVALID = 'EXTREF_INVALID_ARG';
const fresh = (kind = 'counter') => addon.create(kind, 1);

// ---- Functions that take (env, value, type, ...) ------------------------

const EXTERNAL_FNS = ['ref', 'mut_ref', 'clone_out', 'take', 'hold'];
const COMMON_BAD = ['null_env', 'null_value', 'null_type', 'null_result',
  'struct_size_0', 'struct_size_4', 'struct_size_tag',
  'struct_size_minus1'];

for (const fn of ['create']) {
  for (const v of ['null_env', 'null_type', 'null_payload', 'null_result',
    'struct_size_0', 'struct_size_4', 'struct_size_tag',
    'struct_size_minus1', 'neg_bytes']) {
    test(`extref_external_create_${v}_is_invalid_arg`, () => {
      const before = addon.stats().livePayloads;
      assert.equal(addon.probe(fn, v, undefined, 'counter'), INVALID);
      assert.equal(addon.stats().livePayloads, before, 'a payload was kept');
    });
  }
  test('extref_external_create_valid_control_is_ok', () => {
    assert.equal(addon.probe(fn, 'valid', undefined, 'counter'),
      'EXTREF_OK');
  });
}

for (const fn of EXTERNAL_FNS) {
  for (const v of COMMON_BAD) {
    test(`extref_external_${fn}_${v}_is_invalid_arg`, () => {
      const x = fresh();
      const before = addon.stats();
      assert.equal(addon.probe(fn, v, x, 'counter'), INVALID);
      const after = addon.stats();
      assert.equal(after.liveBorrows, before.liveBorrows);
      assert.equal(after.liveHolds, before.liveHolds);
      assert.equal(after.takes, before.takes);
      // The payload is untouched and can still be taken.
      assert.equal(addon.take(x, 'counter'), 1);
    });
  }
  test(`extref_external_${fn}_valid_control_is_ok`, () => {
    assert.equal(addon.probe(fn, 'valid', fresh(), 'counter'), 'EXTREF_OK');
  });
}

for (const v of ['bad_size_plus', 'bad_size_minus', 'bad_size_zero',
  'bad_size_huge']) {
  test(`extref_external_clone_out_${v}_is_bad_size`, () => {
    assert.equal(addon.probe('clone_out', v, fresh(), 'counter'),
      'EXTREF_BAD_SIZE');
  });
}

const JS_VALUES = {
  undefined: undefined, null: null, boolean: true, number: 1.5,
  integer: 7, string: 'x', symbol: Symbol('s'), bigint: 1n, object: {},
  array: [], function: () => {}, date: new Date(), regexp: /x/,
  map: new Map(), arrayBuffer: new ArrayBuffer(1), dataView:
    new DataView(new ArrayBuffer(1)), typedArray: new Float64Array(1),
  promise: Promise.resolve(), weakRef: new WeakRef({}),
};

for (const fn of EXTERNAL_FNS) {
  test(`extref_external_${fn}_with_every_js_type_is_not_external`, () => {
    for (const [name, value] of Object.entries(JS_VALUES)) {
      assert.equal(addon.probe(fn, 'value', value, 'counter'),
        'EXTREF_NOT_EXTERNAL', name);
    }
  });
  test(`extref_external_${fn}_with_foreign_externals_is_foreign`, () => {
    for (const w of ['one', 'byte', 'freed', 'null']) {
      assert.equal(addon.probe(fn, 'value', addon.foreign(w), 'counter'),
        'EXTREF_FOREIGN', w);
    }
  });
  test(`extref_external_${fn}_with_another_type_is_type_mismatch`, () => {
    for (const k of ['big', 'other', 'send']) {
      assert.equal(addon.probe(fn, 'value', fresh(k), 'counter'),
        'EXTREF_TYPE_MISMATCH', k);
    }
  });
}

// ---- Functions that take a hold ------------------------------------------

const HOLD_FNS = ['hold_ref', 'hold_mut_ref', 'hold_clone_out', 'hold_dup',
  'hold_release'];
const BAD_HOLDS = ['one', 'heap', 'static', 'stale'];

for (const fn of HOLD_FNS) {
  for (const v of ['null', ...BAD_HOLDS]) {
    const want = fn === 'hold_release' && v === 'null' ? 'EXTREF_OK'
      : INVALID;
    test(`extref_${fn}_${v}_hold_is_${want.slice(7).toLowerCase()}`, () => {
      const before = addon.stats();
      assert.equal(addon.probe(fn, v, fresh('send'), 'send'), want);
      const after = addon.stats();
      assert.equal(after.liveHolds, before.liveHolds);
      assert.equal(after.liveBorrows, before.liveBorrows);
    });
  }
  if (fn !== 'hold_release') {
    test(`extref_${fn}_null_result_is_invalid_arg`, () => {
      const before = addon.stats();
      assert.equal(addon.probe(fn, 'null_result', fresh('send'), 'send'),
        INVALID);
      assert.equal(addon.stats().liveHolds, before.liveHolds);
    });
  }
  test(`extref_${fn}_valid_control_is_ok`, () => {
    assert.equal(addon.probe(fn, 'valid', fresh('send'), 'send'),
      'EXTREF_OK');
  });
}

for (const v of ['bad_size_plus', 'bad_size_minus', 'bad_size_zero']) {
  test(`extref_hold_clone_out_${v}_is_bad_size`, () => {
    assert.equal(addon.probe('hold_clone_out', v, fresh('send'), 'send'),
      'EXTREF_BAD_SIZE');
  });
}

// ---- extref_borrow_release -----------------------------------------------

for (const v of ['null', 'zeroed', 'garbage', 'ones', 'token_only',
  'released', 'released_mut', 'stale_copy', 'stale_copy_mut']) {
  test(`extref_borrow_release_${v}_is_invalid_arg`, () => {
    const x = fresh();
    const before = addon.stats().liveBorrows;
    assert.equal(addon.probe('borrow_release', v, x, 'counter'), INVALID);
    assert.equal(addon.stats().liveBorrows, before);
    addon.release(addon.mutRef(x, 'counter'));
  });
}
test('extref_borrow_release_valid_control_is_ok', () => {
  assert.equal(addon.probe('borrow_release', 'valid', fresh(), 'counter'),
    'EXTREF_OK');
});

// ---- Stats, errors, names, versions -------------------------------------

for (const v of ['null', 'size_0', 'size_15']) {
  test(`extref_stats_get_${v}_is_invalid_arg`, () => {
    assert.equal(addon.probe('stats_get', v), INVALID);
  });
}
test('extref_stats_get_size_16_writes_only_live_payloads', () => {
  assert.equal(addon.probe('stats_get', 'size_16'), 'EXTREF_OK');
});
test('extref_stats_get_full_size_is_ok', () => {
  assert.equal(addon.probe('stats_get', 'full'), 'EXTREF_OK');
});

test('extref_throw_null_env_is_invalid_arg', () => {
  assert.equal(addon.probe('throw', 'null_env'), INVALID);
});
test('extref_throw_status_ok_is_invalid_arg_and_throws_nothing', () => {
  assert.equal(addon.probe('throw', 'ok_status'), INVALID);
  assert.equal(addon.throwStatus(0), INVALID);
});

test('extref_throw_keeps_an_exception_already_pending', () => {
  assert.equal(addon.probe('throw', 'pending'), 'EXTREF_OK:FIRST');
});

test('extref_external_ref_past_the_shared_limit_is_overflow', () => {
  // The contract names no limit; the count word leaves room for about a
  // million shared borrows per side. Ask for 4 Mi and expect OVERFLOW.
  const x = fresh();
  const base = addon.stats().liveBorrows;
  const r = addon.refMany(x, 'counter', 1 << 22);
  assert.equal(r.stoppedBy, 'EXTREF_OVERFLOW', `${r.taken} borrows`);
  assert.ok(r.taken >= 1 << 16, `only ${r.taken} shared borrows`);
  assert.equal(r.mutNext, 'EXTREF_BORROWED');
  assert.equal(r.releasedOk, r.taken);
  assert.equal(addon.stats().liveBorrows, base);
  addon.release(addon.mutRef(x, 'counter'));
});

for (let st = 1; st <= 16; st++) {
  test(`extref_throw_status_${st}_throws_its_code`, () => {
    const name = addon.statusName(st);
    assert.match(name, /^EXTREF_[A-Z_]+$/);
    expectCode(() => addon.throwStatus(st), name);
  });
}

test('extref_last_error_is_never_null', () => {
  addon.probe('stats_get', 'null');
  assert.equal(addon.probe('last_error', 'any'), 'NONNULL');
  const e = addon.lastError();
  assert.equal(e.name, INVALID);
  assert.equal(e.napiStatus, 0);
  assert.ok(e.message.length > 0);
});

test('extref_status_name_and_text_of_unknown_values', () => {
  for (const n of [18, 99, 1000, -1, 2147483647, -2147483648]) {
    assert.equal(addon.statusName(n), 'EXTREF_UNKNOWN', String(n));
    assert.equal(addon.statusText(n), 'unknown status', String(n));
  }
  const names = new Set();
  for (let n = 0; n <= 17; n++) {
    names.add(addon.statusName(n));
    assert.ok(addon.statusText(n).length > 0);
    assert.notEqual(addon.statusText(n), 'unknown status');
  }
  assert.equal(names.size, 18, 'status names are not distinct');
  assert.equal(addon.statusName(0), 'EXTREF_OK');
  assert.equal(addon.statusName(9), 'EXTREF_MUT_BORROWED');
  assert.equal(addon.statusName(16), 'EXTREF_HELD');
  assert.equal(addon.statusName(17), 'EXTREF_NOT_MOVABLE');
});

test('extref_version_matches_the_header', () => {
  const v = addon.version();
  assert.equal(v.hex, v.headerHex);
  assert.equal(v.string, v.headerString);
  assert.match(v.string, /^\d+\.\d+\.\d+$/);
});

// ---- The addon's own JS entry points with bad ids or kinds ---------------

test('every_bad_argument_left_nothing_live', async () => {
  await collect();
  const s = snapshot();
  assert.equal(s.counters.doubleDrops, 0);
  assert.equal(s.counters.badMagic, 0);
  assert.equal(s.stats.liveBorrows, 0);
  assert.equal(s.stats.liveHolds, 0);
});
