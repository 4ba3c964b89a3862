'use strict';
// The libextref benchmark driver. Run by bench/run.sh as
//   node --expose-gc bench/bench.js [--smoke] [--seed N] --out results.json
// Every group interleaves its variants inside every round, in an order
// shuffled by a seeded generator (the seed is printed; --seed repeats a
// run's order), takes the median of many short samples, and computes each
// ratio as the median of the per-round ratios to the baseline measured in
// the same round. It prints one table row per benchmark, the JS-call matrix
// (every variant in every loop shape) and the goals of issue #10 (judged on
// a full run only), and writes all numbers as JSON.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const calls = require('./calls.js');
const goalsOf = require('./goals.js');

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const outIdx = argv.indexOf('--out');
const outFile = outIdx >= 0 ? argv[outIdx + 1] : null;
const seedIdx = argv.indexOf('--seed');
const seed = seedIdx >= 0 ? Number(argv[seedIdx + 1]) >>> 0
  : (Date.now() ^ (process.pid << 16)) >>> 0;
const dir = process.env.BENCH_OUT || path.join(__dirname, '_out');
// --only native,calls,runtimes,create,memory,contention: run only these
// groups.
const onlyIdx = argv.indexOf('--only');
const only = onlyIdx >= 0 ? argv[onlyIdx + 1].split(',') : null;
const want = (group) => !only || only.includes(group);

const addon = require(path.join(dir, 'bench.node'));

// Sizes: the full run takes a few minutes; the smoke run only proves that
// every benchmark runs and prints a number.
const cfg = smoke
  ? { loopN: 20000, loopRounds: 3, callN: 2000, callRounds: 2,
      callWarm: { times: 1, n: 2000 },
      createN: 20000, createRounds: 1, memN: 20000, memRounds: 1,
      contMs: 20, contRounds: 1, threads: [1, 2, 4], checkThreads: 4,
      rtRounds: 2, rtN: 5000 }
  : { loopN: 200000, loopRounds: 41, callN: 100000, callRounds: 31,
      callWarm: { times: 3, n: 20000 },
      createN: 1000000, createRounds: 5, memN: 1000000, memRounds: 3,
      contMs: 100, contRounds: 7, threads: [1, 2, 4], checkThreads: 4,
      rtRounds: 15, rtN: 300000 };
cfg.seed = seed;
// Samples are short and many: on a machine whose cores are shared, the
// median of many short samples is the one least disturbed. Every sample is
// timed in the measuring thread's CPU time (addon.cpuNs), not wall time,
// except "created and collected", which includes the GC's helper threads
// and so is wall time, and contention, which is throughput in wall time.

const rows = [];
const notes = [];

function median(a) {
  const s = a.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function loadPeer(name) {
  const file = path.join(dir, name + '.node');
  if (!fs.existsSync(file)) return { skip: `${file} was not built` };
  try {
    return { mod: require(file) };
  } catch (e) {
    return { skip: `${file} does not load: ${e.message}` };
  }
}

// Seeded order: one generator for the whole run, so --seed repeats it.
let randState = seed;
function rand() {
  randState = (randState + 0x6d2b79f5) >>> 0;
  let t = randState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

// Runs fn(variant) for every variant in every round, in a shuffled order.
function rounds(variants, count, fn) {
  const samples = Object.fromEntries(variants.map((v) => [v, []]));
  for (let r = 0; r < count; r++) {
    const order = variants.slice();
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const v of order) samples[v].push(fn(v));
  }
  return samples;
}

function ratioOf(samples, v, base) {
  return median(samples[v].map((x, i) => x / samples[base][i]));
}

function iqrOf(samples, v, base) {
  const r = samples[v].map((x, i) => x / samples[base][i]);
  return [calls.quantile(r, 0.25), calls.quantile(r, 0.75)];
}

function addedOf(samples, v, base) {
  return median(samples[v].map((x, i) => x - samples[base][i]));
}

// A table row. extra: { unit, note, added, chart }.
function row(key, name, ns, ratio, baseline, extra) {
  const e = extra || {};
  rows.push({ key, name, ns, ratio, baseline, unit: e.unit || 'ns',
              added: e.added === undefined ? null : e.added,
              iqr: e.iqr || null,
              note: e.note, chart: e.chart !== false });
}

// ---- 1. Inside one native loop ------------------------------------------

function benchLoops() {
  const plain = addon.makePlain();
  const tagged = addon.makeTagged();
  const bound = addon.makeBound();
  const send = addon.makeSend();
  const kinds = {
    bare: [0, plain], tag: [1, tagged], ref: [2, bound], mut: [3, bound],
    refSend: [4, send], mutSend: [5, send], refHeld: [6, send],
    mutHeld: [7, send], refBusy: [8, send], mutBusy: [9, send],
    clone: [10, bound], memcpy: [11, plain], getMemcpy: [12, plain],
    lean: [13, addon.makeLean()],
  };
  const n = cfg.loopN;
  const refused = { mutBusy: [] };
  for (const k of Object.keys(kinds))
    addon.loop(kinds[k][0], kinds[k][1], 1000);
  const s = rounds(Object.keys(kinds), cfg.loopRounds, (k) => {
    const r = addon.loop(kinds[k][0], kinds[k][1], n);
    if (refused[k]) refused[k].push(r.refused / n);
    return r.ns / n;
  });
  const med = (k) => median(s[k]);
  // One row: ns, ratio and added ns to `base`, both from the same rounds.
  const nr = (key, name, k, base, baseline, extra) =>
    row(key, name, med(k), base ? ratioOf(s, k, base) : 1, baseline,
        Object.assign({ added: base ? addedOf(s, k, base) : 0,
                        iqr: base ? iqrOf(s, k, base) : null }, extra));
  nr('native.bare', 'napi_get_value_external (plain external)', 'bare',
     null, 'itself');
  nr('native.tag', 'napi_check_object_type_tag + get_value_external', 'tag',
     'bare', 'bare get');
  nr('native.ref', 'extref_external_ref + release (thread-bound)', 'ref',
     'bare', 'bare get');
  nr('native.mut', 'extref_external_mut_ref + release (thread-bound)', 'mut',
     'bare', 'bare get');
  nr('native.ref_send', 'extref_external_ref + release (SEND, no hold)',
     'refSend', 'bare', 'bare get');
  nr('native.mut_send', 'extref_external_mut_ref + release (SEND, no hold)',
     'mutSend', 'bare', 'bare get');
  nr('native.ref_held', 'extref_external_ref + release (SEND, held by ' +
     'an idle thread)', 'refHeld', 'bare', 'bare get');
  nr('native.mut_held', 'extref_external_mut_ref + release (SEND, held ' +
     'by an idle thread)', 'mutHeld', 'bare', 'bare get');
  nr('native.ref_busy', 'extref_external_ref + release (SEND, held by a ' +
     'thread borrowing every 100 us)', 'refBusy', 'bare', 'bare get');
  nr('native.mut_busy', 'extref_external_mut_ref + release (SEND, held ' +
     'by a thread borrowing every 100 us)', 'mutBusy', 'bare', 'bare get',
     { note: `refused (counted as accesses): ` +
             `${(median(refused.mutBusy) * 100).toFixed(3)}%` });
  nr('native.ref_vs_tag', 'thread-bound ref + release vs type-tag check',
     'ref', 'tag', 'type-tag check');
  nr('native.held_vs_tag', 'held SEND ref + release vs type-tag check',
     'refHeld', 'tag', 'type-tag check');
  nr('native.lean', 'reference model, NOT libextref: minimal borrow + ' +
     'release (bench/native/lean.c)', 'lean', 'bare', 'bare get');
  nr('native.ref_vs_lean', 'thread-bound ref + release vs the minimal model',
     'ref', 'lean', 'minimal model');
  nr('native.memcpy', 'memcpy of the 64-byte payload', 'memcpy', null,
     'itself');
  nr('native.get_memcpy', 'napi_get_value_external + memcpy', 'getMemcpy',
     'memcpy', 'memcpy');
  nr('native.clone_out', 'extref_external_clone_out (64 bytes)', 'clone',
     'memcpy', 'memcpy');
}

// ---- 2. At the JS call level --------------------------------------------

// The JS-call variants, in table order; the first (raw) is the baseline.
// Every one takes one argument, reads one field and returns a JS number.
let callResult = null;

function benchCalls() {
  const peer = {};
  for (const name of ['rust', 'napirs', 'neon', 'naa']) {
    const p = loadPeer(name);
    if (p.mod) peer[name] = p.mod;
    else notes.push(`${name} skipped: ${p.skip}`);
  }
  const V = [];
  const add = (key, name, f, make, extra) =>
    V.push(Object.assign({ key, name, f, x: make(), y: make() }, extra));
  add('raw', 'raw C: napi_get_cb_info + napi_get_value_external + read ' +
      '+ napi_create_double', addon.callBare, addon.makePlain);
  add('noop', 'C no-op: napi_get_cb_info + napi_create_double, the ' +
      'argument untouched (call floor)', addon.callNoop, addon.makePlain);
  add('nested', 'control, no library: the raw get behind one more ' +
      'non-inlined C call', addon.callBareNested, addon.makePlain);
  add('c_tag', 'C: napi_check_object_type_tag + get + read',
      addon.callTag, addon.makeTagged);
  add('c_bound_ref', 'libextref from C, thread-bound: extref_external_ref ' +
      '+ read + release', addon.callRef, addon.makeBound);
  add('c_bound_mut', 'libextref from C, thread-bound: ' +
      'extref_external_mut_ref + write + release', addon.callMut,
      addon.makeBound);
  add('c_send_ref', 'libextref from C, SEND, no hold: extref_external_ref',
      addon.callRefSend, addon.makeSend);
  add('c_send_mut', 'libextref from C, SEND, no hold: ' +
      'extref_external_mut_ref', addon.callMutSend, addon.makeSend);
  const holders = [];
  const held = () => {
    const x = addon.makeSend();
    holders.push(addon.holdStart(x, 0));
    return x;
  };
  const heldPair = [held(), held()];
  let hi = 0;
  const heldMake = () => heldPair[hi++ % 2];
  add('c_held_ref', 'libextref from C, SEND held by an idle other thread: ' +
      'extref_external_ref', addon.callRefSend, heldMake);
  add('c_held_mut', 'libextref from C, SEND held by an idle other thread: ' +
      'extref_external_mut_ref', addon.callMutSend, heldMake);
  if (peer.rust) {
    const r = peer.rust;
    add('rust_napi_extref', 'Rust, extref crate, the README way: #[napi] ' +
        'fn(Extref<T>) + borrow()', r.readExtref, () => r.create(1.5));
    add('rust_raw_env_borrow', 'Rust, extref crate from a plain Node-API ' +
        'callback: unsafe Env::from_raw + env.borrow::<T>()',
        r.rawReadFn(), () => r.create(1.5));
    // The extref crate's fast paths, when this checkout's crate has them
    // (bench/rust exports readJsFn and readBorrowed then).
    if (typeof r.readJsFn === 'function')
      add('rust_js_fn', 'Rust, extref crate, safe fast path: extref::js_fn! ' +
          '+ Call::borrow (plain Node-API callback, no hold)', r.readJsFn,
          () => r.create(1.5));
    if (typeof r.readBorrowed === 'function')
      add('rust_napi_borrowed', 'Rust, extref crate: #[napi] ' +
          'fn(Borrowed<T>) (borrowed at conversion, no hold)',
          r.readBorrowed, () => r.create(1.5));
  }
  if (peer.napirs) {
    const m = peer.napirs;
    add('napirs_empty', 'napi-rs 3: empty #[napi] fn(Unknown) -> f64 ' +
        '(framework floor)', m.empty, () => m.create(1.5));
    add('napirs_external', 'napi-rs 3: #[napi] fn(&External<T>)', m.read,
        () => m.create(1.5));
    add('napirs_class', 'napi-rs 3: #[napi] class, &mut self method', null,
        () => new m.Holder(1.5), { method: 'read' });
  }
  if (peer.neon) {
    add('neon_jsbox', 'Neon 1.1: JsBox<RefCell<T>> + borrow()',
        peer.neon.read, () => peer.neon.create(1.5));
  }
  if (peer.naa) {
    add('naa_external', 'node-addon-api (C++): External<T> + CheckTypeTag',
        peer.naa.read, () => peer.naa.create(1.5));
  }
  const res = calls.run(V, { cpuNs: addon.cpuNs, n: cfg.callN,
                             rounds: cfg.callRounds, warm: cfg.callWarm,
                             seed: (seed ^ 0x5bd1e995) >>> 0 });
  for (const h of holders) addon.holdStop(h);
  // Rows: per variant the worst shape (highest ratio to raw), then one row
  // per shape.
  for (const v of V) {
    const per = res.shapes.map((sh) => [sh, res.stat(v.key, sh)]);
    const worst = per.reduce((w, p) => (p[1].ratio > w[1].ratio ? p : w));
    row(`call.${v.key}`, v.name, worst[1].ns,
        v.key === 'raw' ? 1 : worst[1].ratio,
        v.key === 'raw' ? 'itself' : `raw C call (worst shape: ${worst[0]})`,
        { added: worst[1].added,
          note: v.key === 'raw' ? undefined : 'per shape: ' + per.map(
            ([sh, st]) => `${sh} ${st.ns.toFixed(1)} ns ` +
              `${st.ratio.toFixed(2)}x`).join(', ') });
    for (const [sh, st] of per)
      row(`call.${v.key}/${sh}`, `${v.name} [${sh}]`, st.ns, st.ratio,
          'raw C call, same shape', { added: st.added, chart: false });
  }
  callResult = { res, variants: V.map((v) => ({ key: v.key,
                                                name: v.name })) };
}

// The JS-call matrix: ns/call and ratio to raw for every variant and shape.
function callMatrix() {
  if (!callResult) return '';
  const { res, variants } = callResult;
  const lines = [];
  lines.push('| variant | ' + res.shapes.map((s) => `${s} ns | ${s} x`)
    .join(' | ') + ' | added ns (worst) |');
  lines.push('|---|' + res.shapes.map(() => '---:|---:').join('|') +
             '|---:|');
  for (const v of variants) {
    const st = res.shapes.map((sh) => res.stat(v.key, sh));
    const worst = st.reduce((w, x) => (x.ratio > w.ratio ? x : w));
    lines.push(`| ${v.key} | ` + st.map((x) => `${fmt(x.ns)} | ` +
      `${x.ratio.toFixed(2)}x`).join(' | ') + ` | ${fmt(worst.added)} |`);
  }
  return lines.join('\n');
}

// ---- 3. Creation, collection and memory ---------------------------------

const tick = () => new Promise((resolve) => setImmediate(resolve));

async function collectAll(kind, target) {
  // Finalizers may run in a later task than the GC that found the garbage;
  // a second GC is tried only when nothing moved.
  for (let i = 0; i < 400 && addon.dropped(kind) < target; i++) {
    if (i % 20 === 0) global.gc();
    await tick();
  }
  return addon.dropped(kind) >= target;
}

async function benchCreate() {
  const n = cfg.createN;
  const kinds = ['plain', 'extref'];
  const create = { plain: [], extref: [] };
  const cycle = { plain: [], extref: [] };
  global.gc();
  for (let r = 0; r < cfg.createRounds; r++) {
    for (let k = 0; k < 2; k++) {
      const name = kinds[(k + r) % 2];
      const kind = name === 'plain' ? 0 : 1;
      const target = addon.dropped(kind) + n;
      global.gc();
      await tick();
      const t0 = process.hrtime.bigint();
      const ns = addon.create(kind, n);
      if (!(await collectAll(kind, target)))
        throw new Error(`${name}: ${target - addon.dropped(kind)} externals ` +
                        'never collected');
      const total = Number(process.hrtime.bigint() - t0);
      create[name].push(ns / n);
      cycle[name].push(total / n);
    }
  }
  row('create.plain', 'napi_create_external (with finalizer)',
      median(create.plain), 1, 'itself');
  row('create.extref', 'extref_external_create', median(create.extref),
      ratioOf(create, 'extref', 'plain'), 'napi_create_external',
      { added: addedOf(create, 'extref', 'plain') });
  row('cycle.plain', 'napi_create_external, created and collected',
      median(cycle.plain), 1, 'itself');
  row('cycle.extref', 'extref_external_create, created and collected',
      median(cycle.extref), ratioOf(cycle, 'extref', 'plain'),
      'plain create + collect', { added: addedOf(cycle, 'extref', 'plain') });
}

// Memory: a fresh Node process per sample (bench/mem.js) keeps N externals
// alive in an array; the RSS growth per external of the libextref variant
// minus that of plain externals with a finalizer is what the library costs.
function benchMemory() {
  const n = cfg.memN;
  const kinds = { plain: 0, extref: 1, bare: 2 };
  const s = { plain: [], extref: [], bare: [], region: [] };
  const names = Object.keys(kinds);
  for (let r = 0; r < cfg.memRounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length];
      const out = execFileSync(process.execPath,
        ['--expose-gc', path.join(__dirname, 'mem.js'), String(kinds[name]),
         String(n)], { env: process.env, encoding: 'utf8' });
      const m = JSON.parse(out.trim().split('\n').pop());
      s[name].push((m.rssAfter - m.rssBefore) / n);
      if (name === 'extref' && m.regionAfter)
        s.region.push(((m.regionAfter.rssKb - m.regionBefore.rssKb) * 1024) /
                      n);
    }
  }
  const lib = median(s.extref.map((x, i) => x - s.plain[i]));
  row('mem.bare', 'RSS per live plain external, no finalizer',
      median(s.bare), null, '', { unit: 'B' });
  row('mem.plain', 'RSS per live plain external with finalizer',
      median(s.plain), null, '', { unit: 'B' });
  row('mem.extref', 'RSS per live libextref external', median(s.extref),
      median(s.extref.map((x, i) => x / s.plain[i])), 'plain + finalizer',
      { unit: 'B' });
  row('mem.library', 'library memory per live payload (RSS difference, ' +
      'cross-check)', lib, null, '', { unit: 'B' });
  if (s.region.length)
    row('mem.region', "library memory per live payload: growth of the " +
        "library's slot region (smaps Rss)", median(s.region), null, '',
        { unit: 'B' });
  else
    notes.push('the slot region was not found in /proc/self/smaps from ' +
               'the pointer napi_get_value_external returns; judge ' +
               'mem.library instead');
}

// ---- 4. Contention -------------------------------------------------------

let contResult = null;

// Each thread owns its own hold on one SEND payload and takes shared
// borrows (extref_hold_ref, read, release) for a fixed wall-clock window;
// throughput is all threads' operations / wall time, compared with one
// thread in the same round. "At once" is the threads' CPU time summed over
// the wall time: how many of them really ran together. The check run (the
// same window, checkThreads threads, half of them taking exclusive borrows
// that increment a counter non-atomically, half taking shared borrows that
// look for an exclusive one at work) proves exclusive borrows stay
// exclusive under that load.
function benchContention() {
  const send = addon.makeSend();
  addon.contention(send, 1, 1, 0);
  const kinds = cfg.threads.map(String).concat(['check']);
  const thr = {};
  const par = {};
  const cpuPerOp = {};
  const check = { mutOps: 0, counter: 0, refused: 0, violations: 0,
                  sharedOps: 0, runs: 0, par: [] };
  rounds(kinds, cfg.contRounds, (k) => {
    if (k === 'check') {
      const r = addon.contention(send, cfg.checkThreads, cfg.contMs, 1);
      const ops = r.ops.reduce((x, y) => x + y, 0);
      check.mutOps += r.mutOps;
      check.sharedOps += ops - r.mutOps;
      check.counter += r.counter;
      check.refused += r.refused;
      check.violations += r.violations;
      check.runs++;
      check.par.push(r.threadNs.reduce((x, y) => x + y, 0) / r.wallNs);
      return 0;
    }
    const r = addon.contention(send, Number(k), cfg.contMs, 0);
    const ops = r.ops.reduce((x, y) => x + y, 0);
    if (ops === 0) throw new Error(`contention ${k}: no operation at all`);
    const cpu = r.threadNs.reduce((x, y) => x + y, 0);
    (thr[k] = thr[k] || []).push(ops / r.wallNs * 1e9);
    (par[k] = par[k] || []).push(cpu / r.wallNs);
    (cpuPerOp[k] = cpuPerOp[k] || []).push(cpu / ops);
    return r.wallNs / ops;
  });
  contResult = { threads: {}, check };
  for (const t of cfg.threads) {
    const k = String(t);
    const ratio = median(thr[k].map((x, i) => x / thr['1'][i]));
    const atOnce = median(par[k]);
    // Operations per CPU-second against one thread's: what sharing the
    // payload's cache lines costs, whatever the scheduler did.
    const perCpu = median(cpuPerOp[k].map((x, i) => cpuPerOp['1'][i] / x));
    contResult.threads[k] = { ratio, atOnce, perCpu,
                              opsPerSec: median(thr[k]) };
    row(`contention.${t}`, `extref_hold_ref + read + release, ${t} ` +
        `thread${t > 1 ? 's' : ''}, own holds on one SEND payload`,
        1e9 / median(thr[k]), ratio,
        'throughput of 1 thread (higher is better)',
        { unit: 'ns', note: `throughput ${(median(thr[k]) / 1e6).toFixed(2)}` +
          ` M ops/s; threads that really ran at once ${atOnce.toFixed(2)}` +
          ` (CPU time / wall time); CPU per op ` +
          `${median(cpuPerOp[k]).toFixed(1)} ns, ops per CPU-second ` +
          `${perCpu.toFixed(2)}x one thread's` });
  }
  const ok = check.counter === check.mutOps && check.violations === 0;
  check.ok = ok;
  check.atOnce = median(check.par);
  row('contention.mut_check', `exclusive borrows under load: ` +
      `${cfg.checkThreads} threads, half extref_hold_mut_ref + increment, ` +
      'half shared borrows checking', check.mutOps, null,
      'successful exclusive borrows (count)',
      { unit: 'count', chart: false,
        note: `final counter ${check.counter} vs ${check.mutOps} ` +
          `successful exclusive borrows (${ok ? 'equal' : 'DIFFERENT'}); ` +
          `${check.refused} refused, ${check.violations} shared borrows saw ` +
          `an exclusive one at work; ${check.sharedOps} shared borrows; ` +
          `at once ${check.atOnce.toFixed(2)}` });
}

// ---- The JS call level in Bun and Deno ---------------------------------

// The executable of a runtime: on PATH (./dev puts _tools/npm/bin there),
// else in the repository's _tools/npm/bin.
function findRuntime(name) {
  const dirs = (process.env.PATH || '').split(path.delimiter);
  dirs.push(path.join(__dirname, '..', '_tools', 'npm', 'bin'));
  for (const d of dirs) {
    const f = path.join(d, name);
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return f;
    } catch (e) {
      // not here
    }
  }
  return null;
}

function benchRuntimes() {
  const script = path.join(__dirname, 'runtimes.mjs');
  const runtimes = [
    ['bun', (exe) => [exe, [script, cfg.rtRounds, cfg.rtN]]],
    ['deno', (exe) => [exe, ['run', '-A', script, cfg.rtRounds, cfg.rtN]]],
  ];
  for (const [name, argvOf] of runtimes) {
    const exe = findRuntime(name);
    if (!exe) {
      notes.push(`${name} skipped: no ${name} executable on PATH or in ` +
                 '_tools/npm/bin (./dev installs it)');
      continue;
    }
    const [file, args] = argvOf(exe);
    let m;
    try {
      const out = execFileSync(file, args.map(String),
        { env: { ...process.env, BENCH_OUT: dir }, encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'] });
      m = JSON.parse(out.trim().split('\n').pop());
    } catch (e) {
      throw new Error(`${name}: ${(e.stderr || e.message).toString()}`);
    }
    row(`${name}.call.bare`, `${name}: JS -> C, napi_get_value_external + ` +
        'read', m.bare.ns, 1, 'itself');
    row(`${name}.call.bare_nested`, `${name}: control, the bare get ` +
        'behind one more call', m.nested.ns, m.nested.ratio, 'bare call');
    row(`${name}.call.lean`, `${name}: reference model, NOT libextref`,
        m.lean.ns, m.lean.ratio, 'bare call');
    row(`${name}.call.ref`, `${name}: JS -> C, extref_external_ref + read ` +
        '+ release', m.ref.ns, m.ref.ratio, 'bare call');
    row(`${name}.call.mut`, `${name}: JS -> C, extref_external_mut_ref + ` +
        'write + release', m.mut.ns, m.mut.ratio, 'bare call');
  }
}

// ---- Output --------------------------------------------------------------

function fmt(x, unit) {
  if (!Number.isFinite(x)) return 'n/a';
  if (unit === 'B') return `${x.toFixed(0)} B`;
  if (unit === 'count') return `${x.toFixed(0)}`;
  return Math.abs(x) < 10 ? x.toFixed(2) : x.toFixed(1);
}

function table() {
  const lines = [];
  lines.push('| key | benchmark | ns/op | ratio | added ns | baseline |');
  lines.push('|---|---|---:|---:|---:|---|');
  for (const r of rows) {
    const ratio = r.ratio === null || r.ratio === undefined ? ''
      : `${r.ratio.toFixed(2)}x`;
    const added = r.added === null || r.added === undefined ? ''
      : fmt(r.added);
    lines.push(`| ${r.key} | ${r.name} | ${fmt(r.ns, r.unit)} | ${ratio} | ` +
               `${added} | ${r.baseline} |`);
  }
  return lines.join('\n');
}

function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8',
                                     stdio: ['ignore', 'pipe', 'ignore'] })
      .trim();
  } catch (e) {
    return '';
  }
}

// The machine's busy time that was not this process's, from /proc/stat and
// process.cpuUsage(): how loaded the shared cores were during the run.
function cpuSnapshot() {
  let busy = NaN;
  let total = NaN;
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]
      .trim().split(/\s+/).slice(1).map(Number);
    total = f.reduce((x, y) => x + y, 0);
    busy = total - f[3] - (f[4] || 0);
  } catch (e) {
    // not Linux
  }
  const u = process.cpuUsage();
  return { busy, total, self: (u.user + u.system) / 1e6, wall: Date.now() };
}

function machine(c0, c1) {
  const root = path.join(__dirname, '..');
  const hz = 100;
  const ncpu = os.cpus().length;
  const wallS = (c1.wall - c0.wall) / 1000;
  const otherBusy = ((c1.busy - c0.busy) / hz - (c1.self - c0.self)) /
    (wallS * ncpu);
  const dirty = sh('git', ['-C', root, 'status', '--porcelain', '--',
                           'src', 'include', 'bindings', 'bench']);
  return {
    nproc: ncpu,
    cpu: (os.cpus()[0] || {}).model || 'unknown',
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    commit: sh('git', ['-C', root, 'rev-parse', '--short', 'HEAD']) +
      (dirty ? ' (+ uncommitted changes)' : ''),
    branch: sh('git', ['-C', root, 'rev-parse', '--abbrev-ref', 'HEAD']),
    libextref: sh('pkg-config', ['--modversion', 'extref']),
    // Relative to the repository when it is inside it: results are
    // committed, and a committed file names no path of this machine.
    libdir: relativeToRoot(sh('pkg-config', ['--variable=libdir', 'extref'])),
    otherLoad: Number.isFinite(otherBusy) ? Math.max(0, otherBusy) : null,
  };
}

function relativeToRoot(p) {
  const rel = path.relative(path.join(__dirname, ".."), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

async function main() {
  const t0 = Date.now();
  const load0 = os.loadavg()[0];
  const c0 = cpuSnapshot();
  const stats0 = addon.stats();
  console.log(`bench: seed ${seed} (repeat this order with --seed ${seed})`);
  if (want('native')) benchLoops();
  if (want('calls')) benchCalls();
  if (want('runtimes')) benchRuntimes();
  if (want('create')) await benchCreate();
  if (want('memory')) benchMemory();
  if (want('contention')) benchContention();
  global.gc();
  await tick();
  const stats1 = addon.stats();
  if (stats1.liveBorrows !== 0 || stats1.liveHolds !== 0)
    notes.push(`after the run ${stats1.liveBorrows} borrows and ` +
               `${stats1.liveHolds} holds are still live (expected 0)`);
  const mach = machine(c0, cpuSnapshot());
  for (const r of rows)
    if (r.note) notes.push(`${r.key}: ${r.note}`);
  const goals = goalsOf({ rows, calls: callResult && callResult.res,
                          contention: contResult, smoke, cfg });
  for (const g of goals)
    for (const r of rows)
      if (g.row === r.key && g.onRow !== false) {
        r.goal = g.cmp === '<=' ? { max: g.threshold } : { min: g.threshold };
        r.met = g.verdict === 'MET' ? 'yes' : g.verdict === 'MISSED' ? 'NO'
          : '';
      }
  const t = table();
  const matrix = callMatrix();
  const gt = goalsOf.table(goals);
  console.log(t);
  if (matrix) {
    console.log('\nJS calls, every loop shape (ns/call, ratio to raw in ' +
                'the same round and shape):\n');
    console.log(matrix);
  }
  console.log(`\nGoals (issue #10)${smoke ? ': smoke run, nothing judged'
    : ''}:\n`);
  console.log(gt);
  console.log('');
  for (const note of notes) console.log(`note: ${note}`);
  const secs = (Date.now() - t0) / 1000;
  console.log(`bench: ${rows.length} benchmarks in ${secs.toFixed(1)} s` +
              `, seed ${seed}` +
              (smoke ? ' (smoke: tiny sizes, nothing judged)' : ''));
  if (outFile)
    fs.writeFileSync(outFile, JSON.stringify({ smoke, cfg, seed, rows, notes,
      goals, machine: mach, date: new Date(t0).toISOString(), seconds: secs,
      loadavg: [load0, os.loadavg()[0]], statsBefore: stats0,
      statsAfter: stats1, table: t, matrix, goalsTable: gt }, null, 2));
}

main().catch((e) => {
  console.error(`bench failed: ${e.stack || e}`);
  process.exit(1);
});
