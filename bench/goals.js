'use strict';
// The goals of issue #10 ("Performance 2"), judged from one run of
// bench.js: goalsOf({ rows, calls, contention, smoke }) -> [goal], and
// goalsOf.table(goals) -> a Markdown table. A goal on the JS call level
// holds only if it holds in every loop shape: the measured figure is the
// worst shape, printed beside the per-shape figures. A smoke run judges
// nothing (verdict "-"). A goal that could not be measured is MISSED, with
// the reason. A goal whose figure is not its row's ratio (a ratio to a
// peer, not to the row's baseline) has onRow: false and is not drawn on the
// row.

// The Rust ways that are safe and documented; the goal takes the best one
// this build has (js_fn! and Borrowed<T> exist once the crate has them).
const SAFE_RUST = [
  ['rust_js_fn', 'extref::js_fn! + Call::borrow'],
  ['rust_napi_borrowed', '#[napi] fn(Borrowed<T>)'],
  ['rust_napi_extref', '#[napi] fn(Extref<T>) (the README\'s way)'],
];
const PEERS = [
  ['neon_jsbox', 'Neon JsBox<RefCell<T>>'],
  ['napirs_external', 'napi-rs &External<T>'],
  ['napirs_class', 'napi-rs #[napi] class &mut self'],
];

function f2(x) {
  return Number.isFinite(x) ? x.toFixed(2) : 'n/a';
}

function f1(x) {
  return Number.isFinite(x) ? x.toFixed(1) : 'n/a';
}

function goalsOf({ rows, calls, contention, smoke }) {
  const goals = [];
  const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));
  const has = (k) => calls && calls.keys.includes(k);

  function push(g) {
    const ok = Number.isFinite(g.measured);
    if (smoke) g.verdict = '-';
    else if (!ok) g.verdict = 'MISSED';
    else if (g.cmp === '<=') g.verdict = g.measured <= g.threshold ? 'MET'
      : 'MISSED';
    else if (g.cmp === '<') g.verdict = g.measured < g.threshold ? 'MET'
      : 'MISSED';
    else g.verdict = g.measured >= g.threshold ? 'MET' : 'MISSED';
    if (g.force) g.verdict = smoke ? '-' : g.force;
    if (!ok && !g.note) g.note = 'not measured in this run';
    goals.push(g);
  }

  // A JS-call ratio of `key` to `base` in every shape; the worst is the
  // highest.
  function callGoal(id, text, key, base, threshold, extra) {
    const g = Object.assign({ id, group: 'js-call', goal: text, threshold,
                              cmp: '<=', unit: 'x', row: `call.${key}` },
                            extra);
    if (!has(key) || !has(base)) {
      g.measured = NaN;
      g.note = `variant ${has(key) ? base : key} not built in this run`;
      return push(g);
    }
    g.perShape = {};
    g.added = {};
    for (const sh of calls.shapes) {
      g.perShape[sh] = calls.vs(key, base, sh);
      g.added[sh] = calls.addedVs(key, base, sh);
    }
    g.worstShape = calls.shapes.reduce((w, sh) =>
      (g.perShape[sh] > g.perShape[w] ? sh : w));
    g.measured = g.perShape[g.worstShape];
    g.addedWorst = g.added[g.worstShape];
    g.iqr = calls.iqrVs(key, base, g.worstShape);
    return push(g);
  }

  // ---- JS call level, libextref from C
  callGoal('js.bound.ref', 'JS call, libextref from C, thread-bound, ' +
           'shared borrow <= 1.15x raw', 'c_bound_ref', 'raw', 1.15);
  callGoal('js.bound.mut', 'JS call, libextref from C, thread-bound, ' +
           'exclusive borrow <= 1.15x raw', 'c_bound_mut', 'raw', 1.15);
  callGoal('js.send.ref', 'JS call, libextref from C, SEND with no hold, ' +
           'shared borrow <= 1.15x raw', 'c_send_ref', 'raw', 1.15);
  callGoal('js.send.mut', 'JS call, libextref from C, SEND with no hold, ' +
           'exclusive borrow <= 1.15x raw', 'c_send_mut', 'raw', 1.15);
  callGoal('js.held.ref', 'JS call, libextref from C, SEND held by another ' +
           '(idle) thread, shared borrow <= 1.3x raw', 'c_held_ref', 'raw',
           1.3);
  callGoal('js.held.mut', 'JS call, libextref from C, SEND held by another ' +
           '(idle) thread, exclusive borrow <= 1.3x raw', 'c_held_mut', 'raw',
           1.3);

  // ---- Native loop
  function nativeGoal(id, text, key, threshold) {
    const r = byKey[key];
    push({ id, group: 'native', goal: text, threshold, cmp: '<=', unit: 'x',
           row: key, measured: r ? r.ratio : NaN,
           addedWorst: r ? r.added : NaN, iqr: r ? r.iqr : null,
           note: r ? `${f1(r.ns)} ns vs bare get ` +
             `${f1(byKey['native.bare'].ns)} ns` : undefined });
  }
  nativeGoal('native.bound.ref', 'native loop, thread-bound ' +
             'extref_external_ref + release <= 2.0x the bare get',
             'native.ref', 2.0);
  nativeGoal('native.bound.mut', 'native loop, thread-bound ' +
             'extref_external_mut_ref + release <= 2.0x the bare get',
             'native.mut', 2.0);
  nativeGoal('native.send.ref', 'native loop, SEND without hold, ref + ' +
             'release <= 2.0x the bare get', 'native.ref_send', 2.0);
  nativeGoal('native.send.mut', 'native loop, SEND without hold, mut_ref + ' +
             'release <= 2.0x the bare get', 'native.mut_send', 2.0);
  nativeGoal('native.held.ref', 'native loop, SEND held by an idle thread, ' +
             'ref + release <= 2.5x the bare get', 'native.ref_held', 2.5);
  nativeGoal('native.held.mut', 'native loop, SEND held by an idle thread, ' +
             'mut_ref + release <= 2.5x the bare get', 'native.mut_held', 2.5);

  // ---- Rust
  {
    const g = { id: 'rust.safe', group: 'rust', goal: 'Rust: a safe, ' +
                'documented way to a libextref-checked external <= 1.3x raw',
                threshold: 1.3, cmp: '<=', unit: 'x' };
    let best = null;
    for (const [key, label] of SAFE_RUST) {
      if (!has(key)) continue;
      const per = {};
      const add = {};
      for (const sh of calls.shapes) {
        per[sh] = calls.vs(key, 'raw', sh);
        add[sh] = calls.addedVs(key, 'raw', sh);
      }
      const worst = calls.shapes.reduce((w, sh) => (per[sh] > per[w] ? sh
        : w));
      if (!best || per[worst] < best.per[best.worst])
        best = { key, label, per, add, worst };
    }
    if (!best) {
      g.measured = NaN;
      g.note = 'no safe Rust variant was built';
    } else {
      Object.assign(g, { row: `call.${best.key}`, perShape: best.per,
                         added: best.add, worstShape: best.worst,
                         measured: best.per[best.worst],
                         addedWorst: best.add[best.worst],
                         iqr: calls.iqrVs(best.key, 'raw', best.worst),
                         note: `best safe way in this build: ${best.label}` });
      if (!has('rust_js_fn') && has('rust_raw_env_borrow')) {
        const unsafeWorst = Math.max(...calls.shapes.map((sh) =>
          calls.vs('rust_raw_env_borrow', 'raw', sh)));
        g.note += `; the unsafe plain-callback path (Env::from_raw + ` +
          `borrow) measures ${f2(unsafeWorst)}x (worst shape) but is not ` +
          'a safe API';
      }
    }
    push(g);
  }
  callGoal('rust.napi_vs_napirs', 'Rust #[napi] + Extref<T> costs no more ' +
           'than napi-rs &External<T> (ratio <= 1.0)', 'rust_napi_extref',
           'napirs_external', 1.0, { onRow: false });
  if (has('rust_napi_borrowed'))
    callGoal('rust.borrowed_vs_napirs', 'Rust #[napi] + Borrowed<T> costs ' +
             'no more than napi-rs &External<T> (ratio <= 1.0)',
             'rust_napi_borrowed', 'napirs_external', 1.0, { onRow: false });
  function beatsGoal(id, text, key) {
    const g = { id, group: 'rust', goal: text, threshold: 1.0, cmp: '<',
                unit: 'x', row: `call.${key}`, onRow: false };
    const peers = PEERS.filter(([p]) => has(p));
    if (!has(key) || peers.length < PEERS.length) {
      g.measured = NaN;
      g.note = `not built: ${[[key]].concat(PEERS).filter(([p]) => !has(p))
        .map(([p]) => p).join(', ')}`;
      return push(g);
    }
    g.perShape = {};
    g.added = {};
    const against = {};
    for (const sh of calls.shapes) {
      let w = null;
      for (const [p, label] of peers) {
        const r = calls.vs(key, p, sh);
        if (!w || r > w.r) {
          w = { r, label, add: calls.addedVs(key, p, sh),
                iqr: calls.iqrVs(key, p, sh) };
        }
      }
      g.perShape[sh] = w.r;
      g.added[sh] = w.add;
      against[sh] = w;
    }
    g.worstShape = calls.shapes.reduce((w, sh) =>
      (g.perShape[sh] > g.perShape[w] ? sh : w));
    g.measured = g.perShape[g.worstShape];
    g.addedWorst = g.added[g.worstShape];
    g.iqr = against[g.worstShape].iqr;
    g.note = `ratio to the fastest of the three in each shape; worst: ` +
      `${against[g.worstShape].label} in ${g.worstShape}`;
    return push(g);
  }
  beatsGoal('rust.napi_beats_peers', 'Rust #[napi] + Extref<T> beats Neon ' +
            'JsBox, napi-rs External and napi-rs class (ratio < 1)',
            'rust_napi_extref');
  if (has('rust_napi_borrowed'))
    beatsGoal('rust.borrowed_beats_peers', 'Rust #[napi] + Borrowed<T> ' +
              'beats Neon JsBox, napi-rs External and napi-rs class ' +
              '(ratio < 1)', 'rust_napi_borrowed');
  if (has('rust_js_fn'))
    beatsGoal('rust.fast_beats_peers', 'Rust safe fast path (extref::js_fn!) ' +
              'beats Neon JsBox, napi-rs External and napi-rs class ' +
              '(ratio < 1)', 'rust_js_fn');
  else
    beatsGoal('rust.fast_beats_peers', 'Rust plain-callback path (unsafe ' +
              'Env::from_raw + borrow; no safe fast path in this build) ' +
              'beats Neon JsBox, napi-rs External and napi-rs class ' +
              '(ratio < 1)', 'rust_raw_env_borrow');

  // ---- Contention
  for (const [t, thr] of [['2', 1.5], ['4', 2.5]]) {
    const c = contention && contention.threads[t];
    const g = { id: `contention.${t}`, group: 'contention',
                goal: `${t} threads, shared borrows through own holds on one ` +
                  `SEND payload: throughput >= ${thr}x one thread`,
                threshold: thr, cmp: '>=', unit: 'x', row: `contention.${t}`,
                measured: c ? c.ratio : NaN };
    if (c) {
      g.atOnce = c.atOnce;
      g.note = `threads that really ran at once: ${f2(c.atOnce)} ` +
        `(CPU time / wall time); operations per CPU-second ` +
        `${f2(c.perCpu)}x one thread's`;
      if (c.atOnce < Number(t) * 0.9)
        g.note += `; fewer than ${t} ran at once (cores or load), so this ` +
          'run cannot show the scaling';
    }
    push(g);
  }
  {
    const c = contention && contention.check;
    const g = { id: 'contention.exclusive', group: 'contention',
                goal: 'exclusive borrows stay exclusive under the same load ' +
                  '(final count = successful exclusive borrows, no overlap ' +
                  'seen)', threshold: 0, cmp: '<=', unit: 'errors',
                row: 'contention.mut_check' };
    if (c) {
      g.measured = Math.abs(c.counter - c.mutOps) + c.violations;
      g.note = `${c.mutOps} exclusive borrows, counter ${c.counter}, ` +
        `${c.refused} refused, ${c.violations} overlaps seen, ` +
        `${c.sharedOps} shared borrows; at once ${f2(c.atOnce)}`;
      if (c.mutOps === 0) g.force = 'MISSED';
    } else {
      g.measured = NaN;
    }
    push(g);
  }

  // ---- Memory
  {
    const r = byKey['mem.region'];
    const lib = byKey['mem.library'];
    const g = { id: 'memory', group: 'memory', goal: 'library memory per ' +
                'uncontended live payload <= 64 B', threshold: 64, cmp: '<=',
                unit: 'B' };
    if (r) {
      Object.assign(g, { row: 'mem.region', measured: r.ns,
                         note: "growth of the library's slot region " +
                           '(smaps Rss of the mapping that holds the ' +
                           'external\'s record)' +
                           (lib ? `; RSS cross-check ${f1(lib.ns)} B` : '') });
    } else if (lib) {
      Object.assign(g, { row: 'mem.library', measured: lib.ns,
                         note: 'RSS growth over plain externals with a ' +
                           'finalizer (the slot region was not found); ' +
                           'noisy by several bytes' });
    } else {
      g.measured = NaN;
    }
    push(g);
  }
  return goals;
}

function fmtMeasured(g) {
  if (!Number.isFinite(g.measured)) return 'n/a';
  if (g.unit === 'x') return `${f2(g.measured)}x`;
  if (g.unit === 'B') return `${g.measured.toFixed(0)} B`;
  return `${g.measured}`;
}

function fmtThreshold(g) {
  const u = g.unit === 'x' ? 'x' : g.unit === 'B' ? ' B' : ` ${g.unit}`;
  return `${g.cmp} ${g.threshold}${u}`;
}

goalsOf.table = function table(goals) {
  const lines = ['| id | goal | threshold | measured (worst shape; IQR of ' +
                 'the per-round ratios) | per shape ' +
                 '| added ns (worst) | verdict | note |',
                 '|---|---|---|---:|---|---:|---|---|'];
  for (const g of goals) {
    const per = g.perShape ? Object.entries(g.perShape).map(([sh, x]) =>
      `${sh} ${f2(x)}x`).join(', ') : '';
    const where = [g.worstShape,
                   g.iqr && Number.isFinite(g.iqr[0]) ?
                     `IQR ${f2(g.iqr[0])}-${f2(g.iqr[1])}` : null]
      .filter(Boolean).join('; ');
    const measured = fmtMeasured(g) + (where ? ` (${where})` : '');
    const added = Number.isFinite(g.addedWorst) ? f1(g.addedWorst) : '';
    lines.push(`| ${g.id} | ${g.goal} | ${fmtThreshold(g)} | ${measured} | ` +
               `${per} | ` +
               `${added} | ${g.verdict} | ${g.note || ''} |`);
  }
  return lines.join('\n');
};

module.exports = goalsOf;
