// The JS-call-level variants of the C bench addon in another runtime (Bun,
// Deno, or Node): run by bench.js as `bun runtimes.mjs ROUNDS N`,
// `deno run -A runtimes.mjs ROUNDS N`. Prints one JSON line: per variant
// the median ns per call, and the median per-round ratio to the bare call.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const args = (globalThis.Deno ? globalThis.Deno.args
  : globalThis.process.argv.slice(2));
const rounds = Number(args[0] || 15);
const n = Number(args[1] || 300000);
const dir = (globalThis.Deno ? globalThis.Deno.env.get('BENCH_OUT')
  : globalThis.process.env.BENCH_OUT) ||
  new URL('./_out', import.meta.url).pathname;
const a = require(dir + '/bench.node');

const variants = {
  bare: [a.callBare, a.makePlain()],
  nested: [a.callBareNested, a.makePlain()],
  ref: [a.callRef, a.makeBound()],
  mut: [a.callMut, a.makeBound()],
  lean: [a.callLean, a.makeLean()],
};
const keys = Object.keys(variants);
for (const k of keys) {
  const v = variants[k];
  // A source text of its own per variant: V8 (Deno) caches `new Function`
  // by source text and shares feedback and optimized code between equal
  // texts, which made the first variant the only monomorphic call site.
  v.push(new Function('f', 'x', 'n', `/* bench loop: ${k} */ ` +
    'let s = 0; for (let i = 0; i < n; i++) s += f(x); return s;'));
  v[2](v[0], v[1], 2000);
}
const s = Object.fromEntries(keys.map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (let j = 0; j < keys.length; j++) {
    const k = keys[(j + r) % keys.length];
    const [f, x, loop] = variants[k];
    const t0 = a.cpuNs();
    const sum = loop(f, x, n);
    s[k].push((a.cpuNs() - t0) / n);
    if (sum !== n * 1.5) throw new Error(`${k}: wrong sum ${sum}`);
  }
}
const median = (v) => {
  const x = [...v].sort((p, q) => p - q);
  const m = x.length >> 1;
  return x.length % 2 ? x[m] : (x[m - 1] + x[m]) / 2;
};
const out = {};
for (const k of keys)
  out[k] = { ns: median(s[k]),
             ratio: median(s[k].map((x, i) => x / s.bare[i])) };
console.log(JSON.stringify(out));
