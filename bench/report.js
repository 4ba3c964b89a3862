'use strict';
// Turns the benchmark's JSON into bench/results/results.md, with the machine
// it ran on: node bench/report.js results.json results.md
const fs = require('fs');
const path = require('path');
const { execSync } = require('child_process');

const [inFile, outFile] = process.argv.slice(2);
const r = JSON.parse(fs.readFileSync(inFile, 'utf8'));

function sh(cmd) {
  try {
    return execSync(cmd, { encoding: 'utf8',
                           stdio: ['ignore', 'pipe', 'pipe'] })
      .trim().split('\n')[0];
  } catch (e) {
    return 'unknown';
  }
}

const m = r.machine || {};
const cpu = m.cpu || (fs.readFileSync('/proc/cpuinfo', 'utf8')
  .match(/^model name\s*:\s*(.*)$/m) || [, 'unknown'])[1];
const machine = [
  ['date (UTC)', r.date || new Date().toISOString()],
  ['nproc', m.nproc || sh('nproc')],
  ['CPU', cpu],
  ['kernel', m.kernel || sh('uname -sr')],
  ['load average (1 min) at start / end', r.loadavg
    ? r.loadavg.map((x) => x.toFixed(2)).join(' / ') +
      ' (the cores are shared; other work in the machine shows here)'
    : 'unknown'],
  ['other processes\' CPU during the run', Number.isFinite(m.otherLoad)
    ? `${(m.otherLoad * 100).toFixed(0)}% of all cores (/proc/stat busy ` +
      'time minus this process)' : 'unknown'],
  ['run time', r.seconds ? r.seconds.toFixed(0) + ' s' : 'unknown'],
  ['seed', `${r.seed} (bench/bench.js --seed ${r.seed} repeats the order)`],
  ['Node.js', m.node || process.version],
  ['Bun / Deno', sh('bun --version || ' + __dirname +
                    '/../_tools/npm/bin/bun --version') + ' / ' +
   sh('deno --version || ' + __dirname + '/../_tools/npm/bin/deno --version')],
  ['rustc', sh('rustc --version')],
  ['gcc', sh('gcc --version')],
  ['libextref', (m.libextref || sh('pkg-config --modversion extref')) +
   ` (${m.libdir || 'libdir unknown'}); repository ` +
   `${m.commit || 'unknown'} on branch ${m.branch || 'unknown'}`],
  ['napi-rs / Neon / node-addon-api', 'napi ' + lockVersion('napi') +
   ', napi-derive ' + lockVersion('napi-derive') + ', neon ' +
   lockVersion('neon') + ', node-addon-api ' + naaVersion()],
];

function naaVersion() {
  try {
    return JSON.parse(fs.readFileSync(__dirname + '/../bindings/cpp/' +
      'node_modules/node-addon-api/package.json', 'utf8')).version;
  } catch (e) {
    return 'unknown';
  }
}

function lockVersion(name) {
  try {
    const lock = fs.readFileSync(__dirname + '/Cargo.lock', 'utf8');
    const m = lock.match(new RegExp('name = "' + name +
                                    '"\\nversion = "([^"]+)"'));
    return m ? m[1] : 'unknown';
  } catch (e) {
    return 'unknown';
  }
}

const goals = r.goals || [];
const met = goals.filter((g) => g.verdict === 'MET');
const missed = goals.filter((g) => g.verdict === 'MISSED');
let md = '# libextref benchmark results\n\n';
md += 'Written by `bench/run.sh` (`./dev bench`); do not edit by hand. ' +
  'The goals alone: [goals.md](goals.md) (and goals.json).\n\n';
md += '## Machine\n\n| | |\n|---|---|\n';
for (const [k, v] of machine) md += `| ${k} | ${v} |\n`;
md += '\n## Goals (issue #10)\n\n';
md += `${met.length} met, ${missed.length} missed` +
  (missed.length ? ': ' + missed.map((g) => '`' + g.id + '`').join(', ')
   : '') + '. A JS-call goal is judged on its worst loop shape.\n\n';
md += r.goalsTable + '\n\n';
md += '## Method\n\n';
md += '- Times are CPU time of the measuring thread ' +
  '(`CLOCK_THREAD_CPUTIME_ID`), so time spent descheduled on a shared ' +
  'machine is not counted; "created and collected" and contention ' +
  'throughput are wall time. Every group interleaves its variants in ' +
  'every round, in an order shuffled by a seeded generator (seed above).\n';
md += '- Native rows: one loop of ' + r.cfg.loopN + ' accesses inside one ' +
  'call into the C bench addon (`bench/native/bench.c`), timed around the ' +
  'loop; ' + r.cfg.loopRounds + ' rounds. ns/op is the median; the ratio ' +
  'is the median of the per-round ratios to the baseline measured in the ' +
  'same round, added ns the median of the per-round differences.\n';
md += '- JS-call rows (`call.*`): ' + r.cfg.callN + ' calls per sample, ' +
  r.cfg.callRounds + ' rounds; every (variant, loop shape) pair once per ' +
  'round, shuffled. Shapes: `own` (a loop generated for the variant alone, ' +
  'monomorphic), `shared` (one loop for all variants, callee a parameter), ' +
  '`unroll4` (four calls per iteration), `alt2` (alternates two externals ' +
  'of the same kind). Every function takes one argument, reads one field ' +
  'of a 64-byte payload and returns it as a JS number; the loop checks the ' +
  'sum. `call.X` is the worst shape of X; `call.X/shape` each shape.\n';
md += '- Bun and Deno rows: the C functions called from Bun and from ' +
  'Deno (bench/runtimes.mjs, one process each), ' + r.cfg.rtRounds +
  ' rounds of ' + r.cfg.rtN + ' calls, one loop shape.\n';
md += '- Creation: ' + r.cfg.createN + ' externals per sample around ' +
  'pointers into one arena, handle scope closed every 256; "created and ' +
  'collected" runs until every finalizer or drop has run after ' +
  '`global.gc()`. ' + r.cfg.createRounds + ' rounds.\n';
md += '- Memory: a fresh Node process per sample keeps ' + r.cfg.memN +
  ' externals alive; `mem.region` (judged) is the Rss growth, in ' +
  '/proc/self/smaps, of the mapping that holds the pointer ' +
  '`napi_get_value_external` returns for a libextref external (the ' +
  'library\'s slot region) / N; `mem.library` cross-checks it from ' +
  'outside (RSS growth minus that of plain externals with a finalizer; ' +
  'noisy by several bytes).\n';
md += '- Contention: N threads, each with its own hold on one SEND payload, ' +
  'take shared borrows (borrow, read, release) for ' + r.cfg.contMs +
  ' ms of wall time, ' + r.cfg.contRounds + ' rounds; throughput = all ' +
  'operations / wall time, ratio to 1 thread in the same round; "at once" ' +
  '= the threads\' CPU time / wall time. The exclusive check runs ' +
  r.cfg.checkThreads + ' threads, half taking exclusive borrows that ' +
  'increment a counter non-atomically, half taking shared borrows that ' +
  'look for an exclusive one at work.\n\n';
if (r.matrix) {
  md += '## JS calls, every loop shape\n\nns/call and ratio to the raw C ' +
    'call in the same round and shape.\n\n' + r.matrix + '\n\n';
}
md += '## All rows\n\n' + r.table + '\n\n';
if (r.notes.length) {
  md += '## Notes\n\n';
  for (const n of r.notes) md += `- ${n}\n`;
  md += '\n';
}
md += '![ratios](ratios.png)\n';
fs.writeFileSync(outFile, md);

// goals.md and goals.json, beside results.md.
const dir = path.dirname(outFile);
let gmd = '# libextref: the goals of issue #10, measured\n\n';
gmd += 'Written by `bench/run.sh` (`./dev bench`) from the same run as ' +
  '[results.md](results.md); do not edit by hand.\n\n';
gmd += `Run ${r.date}, ${m.nproc || '?'} cores (${cpu}), load average ` +
  `${r.loadavg ? r.loadavg.map((x) => x.toFixed(2)).join(' / ') : '?'}` +
  (Number.isFinite(m.otherLoad) ? `, other processes ` +
   `${(m.otherLoad * 100).toFixed(0)}% of the cores` : '') +
  `; libextref ${m.libextref || '?'}, repository ${m.commit || '?'} ` +
  `(${m.branch || '?'}); seed ${r.seed}.\n\n`;
gmd += `${met.length} met, ${missed.length} missed. A JS-call goal holds ` +
  'only if it holds in every loop shape (own, shared, unroll4, alt2): ' +
  'the measured figure is the worst shape; ratios are medians of per-round ' +
  'ratios; added ns is the median per-round difference to the baseline.\n\n';
gmd += r.goalsTable + '\n';
fs.writeFileSync(path.join(dir, 'goals.md'), gmd);
fs.writeFileSync(path.join(dir, 'goals.json'), JSON.stringify({
  date: r.date, machine: Object.assign({}, m, { cpu }), loadavg: r.loadavg,
  seed: r.seed, goals }, null, 2) + '\n');
