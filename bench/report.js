'use strict';
// Turns the benchmark's JSON into bench/results/results.md, with the machine
// it ran on: node bench/report.js results.json results.md
const fs = require('fs');
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

const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8')
  .match(/^model name\s*:\s*(.*)$/m) || [, 'unknown'])[1];
const machine = [
  ['date (UTC)', r.date || new Date().toISOString()],
  ['nproc', sh('nproc')],
  ['CPU', cpu],
  ['kernel', sh('uname -sr')],
  ['load average (1 min) at start / end', r.loadavg
    ? r.loadavg.map((x) => x.toFixed(2)).join(' / ') +
      ' (the cores are shared; other work in the machine shows here)'
    : 'unknown'],
  ['run time', r.seconds ? r.seconds.toFixed(0) + ' s' : 'unknown'],
  ['Node.js', process.version],
  ['Bun / Deno', sh('bun --version || ' + __dirname +
                    '/../_tools/npm/bin/bun --version') + ' / ' +
   sh('deno --version || ' + __dirname + '/../_tools/npm/bin/deno --version')],
  ['rustc', sh('rustc --version')],
  ['gcc', sh('gcc --version')],
  ['libextref', sh('pkg-config --modversion extref') + ' (repository HEAD ' +
   sh('git -C "$(dirname "$(realpath ' + JSON.stringify(inFile) +
      ')")" rev-parse --short HEAD') + ')'],
  ['napi-rs / Neon', 'napi ' + lockVersion('napi') + ', napi-derive ' +
   lockVersion('napi-derive') + ', neon ' + lockVersion('neon')],
];

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

const met = r.rows.filter((x) => x.met === 'yes').length;
const missed = r.rows.filter((x) => x.met === 'NO');
let md = '# libextref benchmark results\n\n';
md += 'Written by `bench/run.sh` (`./dev bench`); do not edit by hand.\n\n';
md += '## Machine\n\n| | |\n|---|---|\n';
for (const [k, v] of machine) md += `| ${k} | ${v} |\n`;
md += '\n## Method\n\n';
md += '- Times are CPU time of the measuring thread ' +
  '(`CLOCK_THREAD_CPUTIME_ID`), so time spent descheduled on a shared ' +
  'machine is not counted; only "created and collected" is wall time.\n';
md += '- Native rows: one loop of ' + r.cfg.loopN + ' accesses inside one ' +
  'call into the C bench addon (`bench/native/bench.c`), timed around the ' +
  'loop; ' + r.cfg.loopRounds + ' rounds, variants alternated (rotated ' +
  'order) in each round. ns/op is the median; the ratio is the median of ' +
  'the per-round ratios to the baseline measured in the same round.\n';
md += '- Call rows: ' + r.cfg.callN + ' calls from a JS loop per sample, ' +
  r.cfg.callRounds + ' rounds, same alternation; every function reads one ' +
  'field of a 64-byte payload and returns it as a JS number, and the JS ' +
  'loop checks the sum.\n';
md += '- Bun and Deno rows: the same C functions called from Bun and from ' +
  'Deno (bench/runtimes.mjs, one process each), ' + r.cfg.rtRounds +
  ' rounds of ' + r.cfg.rtN + ' calls; ratios to the bare call in the same ' +
  'runtime.\n';
md += '- Creation: ' + r.cfg.createN + ' externals per sample around ' +
  'pointers into one arena (so neither variant allocates payloads), ' +
  'handle scope closed every 256; "created and collected" runs until ' +
  'every finalizer or drop has run after `global.gc()`. ' +
  r.cfg.createRounds + ' rounds.\n';
md += '- Memory: a fresh Node process per sample keeps ' + r.cfg.memN +
  ' externals alive in an array; RSS growth / N after `gc()`. `mem.region` ' +
  '(judged) reads, from /proc/self/smaps, the Rss growth of the mapping ' +
  'that holds the pointer `napi_get_value_external` returns for a libextref ' +
  'external (the library\'s slot region). `mem.library` cross-checks it ' +
  'from outside: the libextref RSS growth minus the growth with plain ' +
  'externals with a finalizer (same arena pointers, same array), median of ' +
  r.cfg.memRounds + ' paired samples; it is noisy by several bytes.\n';
md += '- Contention: each thread owns a hold (`extref_hold_dup`) on one SEND ' +
  'payload and does `extref_hold_ref` + release for ' + r.cfg.contMs +
  ' ms of wall time, all threads together; ns/op is the median over ' +
  'threads of each thread\'s CPU time / its ops (waiting for a core is ' +
  'not counted, the cache-line traffic is); the note gives wall time / all ' +
  'ops and how many threads ran at once on average.\n\n';
md += `## Results\n\n${met} goals met, ${missed.length} missed` +
  (missed.length ? ': ' + missed.map((x) => '`' + x.key + '`').join(', ')
   : '') + '.\n\n';
md += r.table + '\n\n';
if (r.notes.length) {
  md += '## Notes\n\n';
  for (const n of r.notes) md += `- ${n}\n`;
  md += '\n';
}
md += '![ratios](ratios.png)\n';
fs.writeFileSync(outFile, md);
