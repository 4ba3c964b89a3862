'use strict';
// The libextref benchmark driver. Run by bench/run.sh as
//   node --expose-gc bench/bench.js [--smoke] --out results.json
// It alternates the variants of each group in every round (rotating the
// order), takes the median of the samples, and computes each ratio as the
// median of the per-round ratios to the baseline measured in the same round.
// It prints one table row per benchmark and writes all numbers as JSON.

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const outIdx = argv.indexOf('--out');
const outFile = outIdx >= 0 ? argv[outIdx + 1] : null;
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
  ? { loopN: 20000, loopRounds: 3, callN: 20000, callRounds: 3,
      createN: 20000, createRounds: 1, memN: 20000, memRounds: 1,
      contMs: 20, contRounds: 1, threads: [1, 2, 4, 8],
      rtRounds: 2, rtN: 5000 }
  : { loopN: 200000, loopRounds: 41, callN: 300000, callRounds: 25,
      createN: 1000000, createRounds: 5, memN: 1000000, memRounds: 3,
      contMs: 100, contRounds: 5, threads: [1, 2, 4, 8],
      rtRounds: 15, rtN: 300000 };
// Samples are short and many: on a machine whose cores are shared, the
// median of many short samples is the one least disturbed. Every sample is
// timed in the measuring thread's CPU time (addon.cpuNs), not wall time,
// except "created and collected", which includes the GC's helper threads
// and so is wall time.

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

// Runs fn(variant) for every variant in every round, rotating the order.
function rounds(variants, count, fn) {
  const samples = Object.fromEntries(variants.map((v) => [v, []]));
  for (let r = 0; r < count; r++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(k + r) % variants.length];
      samples[v].push(fn(v));
    }
  }
  return samples;
}

function ratioOf(samples, v, base) {
  return median(samples[v].map((x, i) => x / samples[base][i]));
}

function row(key, name, ns, ratio, baseline, goal, extra) {
  rows.push({ key, name, ns, ratio, baseline, goal: goal || null,
              unit: (extra && extra.unit) || 'ns', note: extra && extra.note });
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
  const vsBare = (k) => ratioOf(s, k, 'bare');
  row('native.bare', 'napi_get_value_external (plain external)',
      med('bare'), 1, 'itself');
  row('native.tag', 'napi_check_object_type_tag + get_value_external',
      med('tag'), vsBare('tag'), 'bare get');
  row('native.ref', 'extref_external_ref + release (thread-bound)',
      med('ref'), vsBare('ref'), 'bare get', { max: 1.5 });
  row('native.mut', 'extref_external_mut_ref + release (thread-bound)',
      med('mut'), vsBare('mut'), 'bare get', { max: 1.5 });
  row('native.ref_send', 'extref_external_ref + release (SEND, no hold)',
      med('refSend'), vsBare('refSend'), 'bare get');
  row('native.mut_send', 'extref_external_mut_ref + release (SEND, no hold)',
      med('mutSend'), vsBare('mutSend'), 'bare get');
  row('native.ref_held', 'extref_external_ref + release (SEND, held by ' +
      'an idle thread)', med('refHeld'), vsBare('refHeld'), 'bare get',
      { max: 2.5 });
  row('native.mut_held', 'extref_external_mut_ref + release (SEND, held ' +
      'by an idle thread)', med('mutHeld'), vsBare('mutHeld'), 'bare get',
      { max: 2.5 });
  row('native.ref_busy', 'extref_external_ref + release (SEND, held by a ' +
      'thread borrowing every 100 us)', med('refBusy'), vsBare('refBusy'),
      'bare get', { max: 2.5 });
  row('native.mut_busy', 'extref_external_mut_ref + release (SEND, held ' +
      'by a thread borrowing every 100 us)', med('mutBusy'),
      vsBare('mutBusy'), 'bare get', { max: 2.5 },
      { note: `refused (counted as accesses): ` +
              `${(median(refused.mutBusy) * 100).toFixed(3)}%` });
  row('native.ref_vs_tag', 'thread-bound ref + release vs type-tag check',
      med('ref'), ratioOf(s, 'ref', 'tag'), 'type-tag check',
      { max: 1 / 3, text: '<= 0.33x (3x faster)' });
  row('native.mut_vs_tag', 'thread-bound mut_ref + release vs type-tag check',
      med('mut'), ratioOf(s, 'mut', 'tag'), 'type-tag check',
      { max: 1 / 3, text: '<= 0.33x (3x faster)' });
  row('native.held_vs_tag', 'held SEND ref + release vs type-tag check',
      med('refHeld'), ratioOf(s, 'refHeld', 'tag'), 'type-tag check',
      { max: 1 / 3, text: '<= 0.33x (3x faster)' });
  row('native.lean', 'reference model, NOT libextref: minimal borrow + ' +
      'release (bench/native/lean.c)', med('lean'), vsBare('lean'),
      'bare get');
  row('native.ref_vs_lean', 'thread-bound ref + release vs the minimal model',
      med('ref'), ratioOf(s, 'ref', 'lean'), 'minimal model');
  row('native.memcpy', 'memcpy of the 64-byte payload', med('memcpy'), 1,
      'itself');
  row('native.get_memcpy', 'napi_get_value_external + memcpy',
      med('getMemcpy'), ratioOf(s, 'getMemcpy', 'memcpy'), 'memcpy');
  row('native.clone_out', 'extref_external_clone_out (64 bytes)',
      med('clone'), ratioOf(s, 'clone', 'memcpy'), 'memcpy');
}

// ---- 2. At the JS call level --------------------------------------------

function benchCalls() {
  const napirs = loadPeer('napirs');
  const neon = loadPeer('neon');
  const variants = {
    noop: { f: addon.callNoop, x: addon.makePlain(), sum: false },
    bare: { f: addon.callBare, x: addon.makePlain(), sum: true },
    nested: { f: addon.callBareNested, x: addon.makePlain(), sum: true },
    lean: { f: addon.callLean, x: addon.makeLean(), sum: true },
    tag: { f: addon.callTag, x: addon.makeTagged(), sum: true },
    ref: { f: addon.callRef, x: addon.makeBound(), sum: true },
    mut: { f: addon.callMut, x: addon.makeBound(), sum: true },
  };
  if (napirs.mod) {
    variants.napirs = { f: napirs.mod.read, x: napirs.mod.create(1.5),
                        sum: true };
    variants.napirsMut = { f: napirs.mod.readMut, x: napirs.mod.create(1.5),
                           sum: true };
  } else {
    notes.push(`napi-rs skipped: ${napirs.skip}`);
  }
  if (neon.mod) {
    variants.neon = { f: neon.mod.read, x: neon.mod.create(1.5), sum: true };
  } else {
    notes.push(`Neon skipped: ${neon.skip}`);
  }
  // A separate function per variant, so each call site stays monomorphic.
  for (const k of Object.keys(variants)) {
    const v = variants[k];
    v.loop = v.sum
      ? new Function('f', 'x', 'n',
                     'let s = 0; for (let i = 0; i < n; i++) s += f(x); ' +
                     'return s;')
      : new Function('f', 'x', 'n',
                     'for (let i = 0; i < n; i++) f(x); return n * 1.5;');
    v.loop(v.f, v.x, 2000);
  }
  const n = cfg.callN;
  const s = rounds(Object.keys(variants), cfg.callRounds, (k) => {
    const v = variants[k];
    const t0 = addon.cpuNs();
    const sum = v.loop(v.f, v.x, n);
    const ns = (addon.cpuNs() - t0) / n;
    if (sum !== n * 1.5) throw new Error(`${k}: wrong sum ${sum}`);
    return ns;
  });
  const med = (k) => median(s[k]);
  row('call.noop', 'JS -> C, no work (reference)', med('noop'),
      ratioOf(s, 'noop', 'bare'), 'bare call');
  row('call.bare', 'JS -> C, napi_get_value_external + read', med('bare'),
      1, 'itself');
  row('call.bare_nested', 'control: the bare get behind one more ' +
      'non-inlined call, no library', med('nested'),
      ratioOf(s, 'nested', 'bare'), 'bare call');
  row('call.lean', 'reference model, NOT libextref: minimal borrow + ' +
      'release', med('lean'), ratioOf(s, 'lean', 'bare'), 'bare call');
  row('call.tag', 'JS -> C, type-tag check + get + read', med('tag'),
      ratioOf(s, 'tag', 'bare'), 'bare call');
  row('call.ref', 'JS -> C, extref_external_ref + read + release',
      med('ref'), ratioOf(s, 'ref', 'bare'), 'bare call', { max: 1.1 });
  row('call.mut', 'JS -> C, extref_external_mut_ref + write + release',
      med('mut'), ratioOf(s, 'mut', 'bare'), 'bare call', { max: 1.1 });
  row('call.ref_vs_nested', 'extref ref call vs the bare get behind one ' +
      'more call (control)', med('ref'), ratioOf(s, 'ref', 'nested'),
      'one-more-call control');
  row('call.ref_vs_lean', 'extref ref call vs the minimal model',
      med('ref'), ratioOf(s, 'ref', 'lean'), 'minimal model');
  if (variants.napirs) {
    row('call.napirs', 'JS -> napi-rs 3, &External<T> read',
        med('napirs'), ratioOf(s, 'napirs', 'bare'), 'bare call');
    row('call.napirs_mut', 'JS -> napi-rs 3, &mut External<T> write',
        med('napirsMut'), ratioOf(s, 'napirsMut', 'bare'), 'bare call');
    row('call.ref_vs_napirs', 'extref ref call vs napi-rs &External<T>',
        med('ref'), ratioOf(s, 'ref', 'napirs'), 'napi-rs call',
        { max: 0.99999, text: '< 1x (faster)' });
  }
  if (variants.neon) {
    row('call.neon', 'JS -> Neon 1, JsBox<T> read', med('neon'),
        ratioOf(s, 'neon', 'bare'), 'bare call');
    row('call.ref_vs_neon', 'extref ref call vs Neon JsBox<T>', med('ref'),
        ratioOf(s, 'ref', 'neon'), 'Neon call',
        { max: 0.99999, text: '< 1x (faster)' });
  }
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
      { max: 1.5 });
  row('cycle.plain', 'napi_create_external, created and collected',
      median(cycle.plain), 1, 'itself');
  row('cycle.extref', 'extref_external_create, created and collected',
      median(cycle.extref), ratioOf(cycle, 'extref', 'plain'),
      'plain create + collect');
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
      median(s.bare), null, '', null, { unit: 'B' });
  row('mem.plain', 'RSS per live plain external with finalizer',
      median(s.plain), null, '', null, { unit: 'B' });
  row('mem.extref', 'RSS per live libextref external', median(s.extref),
      median(s.extref.map((x, i) => x / s.plain[i])), 'plain + finalizer',
      null, { unit: 'B' });
  row('mem.library', 'library memory per live payload (RSS difference, ' +
      'cross-check)', lib, null, '', null, { unit: 'B' });
  if (s.region.length)
    row('mem.region', "library memory per live payload: growth of the " +
        "library's slot region (smaps Rss)", median(s.region), null, '',
        { maxValue: 64, text: '<= 64 B' }, { unit: 'B' });
  else
    notes.push('the slot region was not found in /proc/self/smaps from ' +
               'the pointer napi_get_value_external returns; judge ' +
               'mem.library instead');
}

// ---- 4. Contention -------------------------------------------------------

function benchContention() {
  const send = addon.makeSend();
  const per = {};
  const agg = {};
  const par = {};
  addon.contention(send, 1, 1);
  const s = rounds(cfg.threads.map(String), cfg.contRounds, (t) => {
    const r = addon.contention(send, Number(t), cfg.contMs);
    const ops = r.ops.reduce((x, y) => x + y, 0);
    // With more threads than cores a thread may get no core in a short
    // window; it is left out of the per-thread median, not an error.
    if (ops === 0) throw new Error(`contention ${t}: no operation at all`);
    agg[t] = (agg[t] || []).concat(r.wallNs / ops);
    // How many of the threads ran at once, on average: contention needs
    // them to run together, which a loaded 2-core machine seldom allows.
    par[t] = (par[t] || []).concat(r.threadNs.reduce((x, y) => x + y, 0) /
                                   r.wallNs);
    return median(r.threadNs.map((ns, i) => (r.ops[i] ? ns / r.ops[i] : NaN)));
  });
  for (const t of cfg.threads) per[t] = median(s[String(t)]);
  for (const t of cfg.threads) {
    row(`contention.${t}`, `extref_hold_ref + release, ${t} thread` +
        (t > 1 ? 's' : '') + ' on one SEND payload', per[t],
        ratioOf(s, String(t), '1'), '1 thread', null,
        { note: `aggregate ${median(agg[String(t)]).toFixed(1)} ns/op ` +
                `(wall / all ops); threads running at once on average ` +
                `${median(par[String(t)]).toFixed(2)}` });
  }
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

function judge(r) {
  if (!r.goal) return { goal: '', met: '' };
  const text = r.goal.text ||
    (r.goal.max !== undefined ? `<= ${r.goal.max}x` : '');
  if (smoke) return { goal: text, met: '-' };
  let met;
  if (r.goal.maxValue !== undefined) met = r.ns <= r.goal.maxValue;
  else met = r.ratio <= r.goal.max;
  return { goal: text, met: met ? 'yes' : 'NO' };
}

function fmt(x, unit) {
  if (!Number.isFinite(x)) return 'n/a';
  if (unit === 'B') return `${x.toFixed(0)} B`;
  return x < 10 ? x.toFixed(2) : x.toFixed(1);
}

function table() {
  const lines = [];
  lines.push('| key | benchmark | ns/op | ratio | baseline | goal | met |');
  lines.push('|---|---|---:|---:|---|---|---|');
  for (const r of rows) {
    const j = judge(r);
    r.met = j.met;
    r.goalText = j.goal;
    const ratio = r.ratio === null || r.ratio === undefined ? ''
      : `${r.ratio.toFixed(2)}x`;
    lines.push(`| ${r.key} | ${r.name} | ${fmt(r.ns, r.unit)} | ${ratio} | ` +
               `${r.baseline} | ${j.goal} | ${j.met} |`);
  }
  return lines.join('\n');
}

async function main() {
  const t0 = Date.now();
  const load0 = require('os').loadavg()[0];
  const stats0 = addon.stats();
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
  for (const r of rows)
    if (r.note) notes.push(`${r.key}: ${r.note}`);
  const t = table();
  console.log(t);
  for (const note of notes) console.log(`note: ${note}`);
  console.log(`bench: ${rows.length} benchmarks in ` +
              `${((Date.now() - t0) / 1000).toFixed(1)} s` +
              (smoke ? ' (smoke: tiny sizes, nothing judged)' : ''));
  if (outFile)
    fs.writeFileSync(outFile, JSON.stringify({ smoke, cfg, rows, notes,
      date: new Date(t0).toISOString(), seconds: (Date.now() - t0) / 1000,
      loadavg: [load0, require('os').loadavg()[0]],
      statsBefore: stats0, statsAfter: stats1, table: t }, null, 2));
}

main().catch((e) => {
  console.error(`bench failed: ${e.stack || e}`);
  process.exit(1);
});
