'use strict';
// Reads bench/_ab/{old,new}-N.json written by bench/ab.sh and prints the
// A/B table (median over the pairs of each run's median ns/op).
const fs = require('fs');
const os = require('os');
const [dir, pairs, oldRev, newRev, outFile] = process.argv.slice(2);
const median = (a) => {
  const s = a.filter(Number.isFinite).sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const runs = { old: [], new: [] };
for (const which of ['old', 'new']) {
  for (let i = 1; i <= Number(pairs); i++) {
    runs[which].push(JSON.parse(fs.readFileSync(`${dir}/${which}-${i}.json`)));
  }
}
const rowsOf = (r) => Object.fromEntries(r.rows.map((x) => [x.key, x]));
const keys = runs.new[0].rows.map((r) => r.key);
const lines = [
  '# A/B: this library against an earlier one, one run',
  '',
  'Written by `bench/ab.sh`; do not edit by hand.',
  '',
  `- old: ${oldRev}; new: ${newRev}; ${pairs} pairs of Node processes, ` +
    'alternating which goes first; each process runs the native-loop and ' +
    'JS-call groups of bench/bench.js (its own rounds, medians).',
  `- ${new Date().toISOString()}, ${os.cpus().length} cores, load ` +
    `${os.loadavg()[0].toFixed(2)}, Node ${process.version}.`,
  '- ns/op: median over the pairs; new/old: median of the per-pair ratios; ' +
    'added: new minus old, ns.',
  '',
  '| key | benchmark | old ns/op | new ns/op | new/old | added ns |',
  '|---|---|---:|---:|---:|---:|',
];
for (const k of keys) {
  const o = runs.old.map((r) => rowsOf(r)[k]).filter(Boolean);
  const n = runs.new.map((r) => rowsOf(r)[k]).filter(Boolean);
  if (o.length === 0 || n.length === 0 || !Number.isFinite(n[0].ns)) continue;
  const on = median(o.map((x) => x.ns));
  const nn = median(n.map((x) => x.ns));
  const ratio = median(n.map((x, i) => x.ns / o[i].ns));
  lines.push(`| ${k} | ${n[0].name} | ${on.toFixed(2)} | ${nn.toFixed(2)} | ` +
    `${ratio.toFixed(3)}x | ${(nn - on).toFixed(2)} |`);
}
const text = lines.join('\n') + '\n';
process.stdout.write(text);
if (outFile) fs.writeFileSync(outFile, text);
