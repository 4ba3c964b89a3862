// Scenario 20: a Drop or Clone that panics with a payload whose own Drop
// panics must not abort the process: the clone is EXTREF_CLONE_FAILED, the
// drop is contained.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const addonPath = process.env.EXTREF_RUST_ADDON ||
  path.join(__dirname, '..', '..', '..', 'build', 'extref_rust_addon.node');
const a = require(addonPath);
const gc = globalThis.gc ||
  (globalThis.Bun && (() => globalThis.Bun.gc(true)));

async function collect(rounds = 10) {
  for (let i = 0; i < rounds; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

test('a Clone panicking with a payload that panics on drop', () => {
  const b = a.createBomb(true);
  for (let i = 0; i < 3; i++) {
    assert.throws(() => a.cloneBomb(b), (e) => {
      assert.equal(e.code, 'EXTREF_CLONE_FAILED');
      return true;
    });
  }
  assert.equal(a.cloneBomb(a.createBomb(false)), 0);
});

test('a Drop panicking with a payload that panics on drop', async () => {
  await collect();
  const before = a.bombDropCount();
  (() => { for (let i = 0; i < 5; i++) a.createBomb(true); })();
  await collect(20);
  assert.equal(a.bombDropCount(), before + 5, 'each drop ran once');
  assert.equal(a.cloneBomb(a.createBomb(false)), 0, 'the addon still works');
});
