'use strict';
// Shared by the C++ node:test files: loading the addons and forcing GC.
const path = require('node:path');
const v8 = require('node:v8');
const vm = require('node:vm');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const buildDir = process.env.EXTREF_CPP_BUILD ||
  path.join(__dirname, '..', 'build');

function load(name) {
  const m = { exports: {} };
  process.dlopen(m, path.join(buildDir, name));
  return m.exports;
}

// Collects garbage until Node-API finalizers (run from setImmediate after a
// GC) have had their chance, or until done() says the effect is seen.
async function collect(done = () => false, rounds = 20) {
  for (let i = 0; i < rounds; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
    if (done()) return true;
  }
  return done();
}

// Asserts that fn throws a JS error with this code (and class).
function code(fn, expected, klass = Error) {
  const assert = require('node:assert');
  let caught;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught, `expected ${expected}, nothing was thrown`);
  assert.strictEqual(caught.code, expected, String(caught && caught.stack));
  assert.ok(caught instanceof klass, `expected a ${klass.name}`);
  return caught;
}

module.exports = { load, collect, code, gc };
