'use strict';
// One workload for bench/profile.sh (run under callgrind):
//   node bench/profile.js loop KIND N   one native loop of N accesses
//   node bench/profile.js call NAME N   N calls of addon.call<NAME> from JS
const path = require('path');
const dir = process.env.BENCH_OUT || path.join(__dirname, '_out');
const a = require(path.join(dir, 'bench.node'));
const [mode, what, count] = process.argv.slice(2);
const n = Number(count);
const plainKinds = [0, 11, 12];
const sendKinds = [4, 5, 6, 7, 8, 9];
if (mode === 'loop') {
  const k = Number(what);
  const x = k === 13 ? a.makeLean()
    : plainKinds.includes(k) ? a.makePlain() : k === 1 ? a.makeTagged()
    : sendKinds.includes(k) ? a.makeSend() : a.makeBound();
  a.loop(k, x, n);
} else {
  const f = a['call' + what];
  const x = what === 'Lean' ? a.makeLean() : what === 'Tag' ? a.makeTagged()
    : what === 'Ref' || what === 'Mut' ? a.makeBound() : a.makePlain();
  let s = 0;
  for (let i = 0; i < n; i++) s += f(x);
  if (what !== 'Noop' && s !== n * 1.5) throw new Error('wrong sum ' + s);
}
