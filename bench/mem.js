'use strict';
// One sample of the memory benchmark, in a fresh process:
//   node --expose-gc bench/mem.js KIND N
// KIND 0: plain externals with a finalizer; 1: libextref externals;
// 2: plain externals without a finalizer. Prints one JSON line with the RSS
// before and after N externals of that kind were made and kept alive, and
// (for libextref) the Rss of the mapping that holds the library's slots.
const path = require('path');
const dir = process.env.BENCH_OUT || path.join(__dirname, '_out');
const addon = require(path.join(dir, 'bench.node'));

const kind = Number(process.argv[2]);
const n = Number(process.argv[3]);

function settle() {
  for (let i = 0; i < 4; i++) global.gc();
  return process.memoryUsage().rss;
}

// Every variant starts the library and keeps one libextref external, so the
// library's fixed costs are in the baseline of all three.
const first = addon.makeBound();
const regionBefore = addon.mapping(first);
const rssBefore = settle();
const kept = addon.keep(kind, n);
const rssAfter = settle();
const regionAfter = kind === 1 ? addon.mapping(first) : null;
if (kept.length !== n) throw new Error('keep returned a short array');
console.log(JSON.stringify({ kind, n, rssBefore, rssAfter, regionBefore,
                             regionAfter }));
