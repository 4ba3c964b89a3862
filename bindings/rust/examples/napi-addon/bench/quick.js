// A rough per-call cost of the Rust ways of reaching an external, in one
// process (not the benchmark: bench/ has the harness and the figures).
// Run: node bench/quick.js [rounds] [calls per round]
// (EXTREF_RUST_ADDON = path of the .node; works under bun and deno too).
'use strict';
const path = require('node:path');
const addonPath = process.env.EXTREF_RUST_ADDON ||
  path.join(__dirname, '..', '..', '..', 'build', 'extref_rust_addon.node');
const a = require(addonPath);

const argv = (globalThis.process && process.argv) || [];
const rounds = Number(argv[2] || 9);
const calls = Number(argv[3] || 2e6);

const counter = a.createCounter(1);
const peers = {
  'raw napi_get_value_external (Rust callback)': [a.peerRawGet, a.peerRawCreate(1)],
  'extref::js_fn! + call.borrow (fast path)': [a.fastGet, counter],
  'extref::js_fn! + call.borrow_mut': [a.fastIncrement, a.createCounter(1)],
  '#[napi] + Extref<T> (.borrow)': [a.getValue, counter],
  '#[napi] + Extref<T> (.borrow_mut)': [a.increment, a.createCounter(1)],
  '#[napi] + Borrowed<T>': [a.borrowedGet, counter],
  '#[napi] + BorrowedMut<T>': [a.borrowedIncrement, a.createCounter(1)],
  'napi-rs #[napi] empty, one argument': [a.peerEmpty, 1],
  'napi-rs &External<T>': [a.peerExternalGet, a.peerExternalCreate(1)],
};

function loop(f, x, n) {
  let s = 0;
  for (let i = 0; i < n; i++) s += f(x) ? 1 : 0;
  return s;
}

const results = {};
for (const name of Object.keys(peers)) results[name] = [];
for (let r = 0; r < rounds; r++) {
  // Interleaved, so that a noisy neighbour spreads over all of them.
  for (const [name, [f, x]] of Object.entries(peers)) {
    loop(f, x, calls / 10); // warm
    const t0 = process.hrtime.bigint();
    loop(f, x, calls);
    const ns = Number(process.hrtime.bigint() - t0) / calls;
    results[name].push(ns);
  }
}
const median = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1];
const base = median(results['raw napi_get_value_external (Rust callback)']);
for (const [name, xs] of Object.entries(results)) {
  const m = median(xs);
  console.log(`${m.toFixed(1).padStart(7)} ns  ${(m / base).toFixed(2)}x  ${name}`);
}
