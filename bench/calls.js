'use strict';
// The JS-call group of the benchmark (bench.js requires it): every variant
// is one addon function that takes one external (or object) argument, reads
// one field of a 64-byte payload and returns it as a JS number; the JS loop
// sums the results and checks the sum.
//
// The JS loop itself changes what a call costs (inlining, call-site
// feedback), so every variant runs in several loop shapes:
//   own      a function generated for this variant alone (new Function, with
//            a source text of its own: see makeLoop), a monomorphic loop:
//            s += f(x)
//   shared   one loop function for all variants, the callee a parameter:
//            its call site sees every variant (megamorphic)
//   unroll4  generated per variant, four calls per iteration
//   alt2     generated per variant, alternates two externals of the same
//            kind: s += f(x); s += f(y)
// Each round runs every (variant, shape) pair once, in an order shuffled by
// a seeded generator (the seed is printed); a sample is the thread CPU time
// of one loop of N calls. Per shape: ns/call = median over rounds; ratio =
// median over rounds of the per-round ratio to the raw C call measured in
// the same round and shape; added ns = median of the per-round differences.
// A goal is judged on the worst shape.

const SHAPES = ['own', 'shared', 'unroll4', 'alt2'];

// The q-quantile (0..1) of the finite values, linear between ranks.
function quantile(a, q) {
  const s = a.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
  if (s.length === 0) return NaN;
  const p = (s.length - 1) * q;
  const lo = Math.floor(p);
  const hi = Math.ceil(p);
  return s[lo] + (s[hi] - s[lo]) * (p - lo);
}

function median(a) {
  const s = a.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// The call expression of a variant in generated code.
function callExpr(v, arg) {
  return v.method ? `${arg}.${v.method}()` : `f(${arg})`;
}

function makeLoop(v, shape) {
  const c = (a) => callExpr(v, a);
  let body;
  switch (shape) {
    case 'own':
      body = `let s = 0; for (let i = 0; i < n; i++) s += ${c('x')}; return s;`;
      break;
    case 'unroll4':
      body = 'let s = 0; for (let i = 0; i < n; i += 4) { ' +
        `s += ${c('x')}; s += ${c('x')}; s += ${c('x')}; s += ${c('x')}; }` +
        ' return s;';
      break;
    case 'alt2':
      body = 'let s = 0; for (let i = 0; i < n; i += 2) { ' +
        `s += ${c('x')}; s += ${c('y')}; } return s;`;
      break;
    default:
      throw new Error(`no generated loop for shape ${shape}`);
  }
  // The comment makes every source text unique. V8 caches `new Function`
  // by its source text, and the cached function shares its feedback vector
  // and optimized code with every other function made from the same text:
  // without it, all "own" loops of a shape were one loop whose call site
  // saw every variant, the first variant to be optimized kept the fast
  // monomorphic API call, and every later one paid ~15-20 ns more (the
  // "one more non-inlined call costs 20 ns" step of issue #10).
  // eslint-disable-next-line no-new-func
  return new Function('f', 'x', 'y', 'n',
                      `/* bench loop: ${v.key} ${shape} */ ${body}`);
}

// The one loop all variants share (its call site goes megamorphic).
function sharedLoop(f, x, y, n) {
  let s = 0;
  for (let i = 0; i < n; i++) s += f(x);
  return s;
}

// Seeded generator (mulberry32) and Fisher-Yates shuffle.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(a, rand) {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

// variants: [{ key, name, f, x, y, method? }]; the first is the baseline.
// Returns { shapes, keys, S: samples[shape][key][round], stat(key, shape),
// vs(key, other, shape) }.
function run(variants, opts) {
  const { cpuNs, n, rounds, warm, seed } = opts;
  const rand = rng(seed);
  for (const v of variants) {
    v.loops = {};
    for (const sh of SHAPES) {
      if (sh === 'shared') {
        // A method is called through a function bound to its object, so
        // that the shared loop can call it as f(x).
        v.sharedF = v.method ? v.x[v.method].bind(v.x) : v.f;
        v.loops[sh] = sharedLoop;
      } else {
        v.loops[sh] = makeLoop(v, sh);
      }
    }
  }
  const sample = (v, sh, count) => {
    const f = sh === 'shared' ? v.sharedF : v.f;
    const loop = v.loops[sh];
    const t0 = cpuNs();
    const sum = loop(f, v.x, v.y, count);
    const ns = (cpuNs() - t0) / count;
    if (sum !== count * 1.5)
      throw new Error(`call ${v.key} (${sh}): wrong sum ${sum}, ` +
                      `expected ${count * 1.5}`);
    return ns;
  };
  // Warm-up: every loop reaches the optimizing tier, and the shared loop has
  // seen every variant before anything is measured.
  for (let w = 0; w < warm.times; w++)
    for (const v of variants)
      for (const sh of SHAPES) sample(v, sh, warm.n);
  const S = {};
  for (const sh of SHAPES) {
    S[sh] = {};
    for (const v of variants) S[sh][v.key] = [];
  }
  const pairs = [];
  for (const v of variants) for (const sh of SHAPES) pairs.push([v, sh]);
  for (let r = 0; r < rounds; r++) {
    for (const [v, sh] of shuffle(pairs.slice(), rand))
      S[sh][v.key].push(sample(v, sh, n));
  }
  const base = variants[0].key;
  const vs = (k, o, sh) => median(S[sh][k].map((x, i) => x / S[sh][o][i]));
  const stat = (k, sh) => ({
    ns: median(S[sh][k]),
    ratio: vs(k, base, sh),
    added: median(S[sh][k].map((x, i) => x - S[sh][base][i])),
  });
  // The interquartile range of the per-round ratios: how much to trust one.
  const iqrVs = (k, o, sh) => {
    const r = S[sh][k].map((x, i) => x / S[sh][o][i]);
    return [quantile(r, 0.25), quantile(r, 0.75)];
  };
  const addedVs = (k, o, sh) =>
    median(S[sh][k].map((x, i) => x - S[sh][o][i]));
  return { shapes: SHAPES, keys: variants.map((v) => v.key), S, stat, vs,
           addedVs, iqrVs, base };
}

module.exports = { run, SHAPES, median, quantile };
