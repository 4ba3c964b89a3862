// What binding.gyp (and CMakeLists.txt for cmake-js) needs, the way
// node-addon-api gives it:
//   "dependencies": ["<!(node -p \"require('libextref').gyp\")"]
// builds the library from its sources as a static library (extref_
// functions hidden: your addon's own copy) and adds include_dir to your
// target's include_dirs.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const dir = __dirname;
const includeDir = path.join(dir, 'include');
const srcDir = path.join(dir, 'src');
// Paths relative to the current directory: what gyp expects.
const rel = (p) => path.relative('.', p).split(path.sep).join('/');

module.exports = {
  // Absolute directory of extref.h and extref.hpp.
  include_dir: includeDir,
  // The same, quoted, as node-addon-api's `include` is.
  include: `"${includeDir}"`,
  // The gyp target: "<path>/libextref.gyp:extref".
  gyp: `${rel(path.join(dir, 'libextref.gyp'))}:extref`,
  // The C sources, for a build that compiles them itself (cmake-js): compile
  // them with -DEXTREF_BUILDING -D_GNU_SOURCE -DEXTREF_EXTERN=
  // -fvisibility=hidden -std=c11 -pthread, include_dir and src_dir on the
  // include path, and link -ldl -lpthread on Linux.
  src_dir: srcDir,
  sources: fs.readdirSync(srcDir).filter((f) => f.endsWith('.c')).sort()
    .map((f) => path.join(srcDir, f)),
  defines: ['EXTREF_BUILDING', '_GNU_SOURCE', 'EXTREF_EXTERN=',
    'EXTREF_TLS_MODEL="global-dynamic"'],
};
