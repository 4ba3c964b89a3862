// Copies the library's C sources and public headers from the repository
// (../../src, ../../include) into this package before `npm pack`: the
// package carries them; git ignores the copies.
//   node scripts/sync.js          copy
//   node scripts/sync.js --check  exit 1 unless the copies equal the repository's
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const pkg = path.join(__dirname, '..');
const root = path.join(pkg, '..', '..');
if (!fs.existsSync(path.join(root, 'src', 'internal.h'))) {
  // Packed from an unpacked tarball: the copies are already here.
  if (fs.existsSync(path.join(pkg, 'src', 'internal.h'))) process.exit(0);
  console.error('libextref: no ../../src to copy from');
  process.exit(1);
}
const pairs = [];
for (const f of fs.readdirSync(path.join(root, 'src')).sort()) {
  if (/\.[ch]$/.test(f)) pairs.push([path.join('src', f), path.join('src', f)]);
}
for (const f of ['extref.h', 'extref.hpp']) {
  pairs.push([path.join('include', f), path.join('include', f)]);
}

if (process.argv[2] === '--check') {
  let bad = 0;
  for (const [from, to] of pairs) {
    const a = fs.readFileSync(path.join(root, from));
    let b = null;
    try { b = fs.readFileSync(path.join(pkg, to)); } catch { /* missing */ }
    if (b === null || !a.equals(b)) { bad++; console.error(`differs: ${to}`); }
  }
  const extra = fs.readdirSync(path.join(pkg, 'src'))
    .filter((f) => !pairs.some(([, to]) => to === path.join('src', f)));
  for (const f of extra) { bad++; console.error(`not in the repository: src/${f}`); }
  process.exit(bad ? 1 : 0);
}

fs.rmSync(path.join(pkg, 'src'), { recursive: true, force: true });
fs.rmSync(path.join(pkg, 'include'), { recursive: true, force: true });
fs.mkdirSync(path.join(pkg, 'src'));
fs.mkdirSync(path.join(pkg, 'include'));
for (const [from, to] of pairs) {
  fs.copyFileSync(path.join(root, from), path.join(pkg, to));
}
console.log(`libextref: copied ${pairs.length} files into src/ and include/`);
