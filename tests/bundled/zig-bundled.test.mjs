// The Zig test addon built with -Dbundled=true (libextref compiled from
// source into it, no libextref.so.1 anywhere): a few of the Zig binding's
// cases (bindings/zig/test/zig.test.mjs), under Node.js, Bun and Deno.
// tests/suites/24-bundled.sh runs it with the library hidden.
import process from 'node:process';
import { assert, code, collect, load, test } from '../cross/harness.mjs';

const z = load(process.env.EXTREF_ZIG_BUNDLED);

test('zig_bundled_create_and_shared_borrow', () => {
  const c = z.createCounter(5);
  assert.strictEqual(z.get(c), 5);
  assert.strictEqual(z.add(c, 3), 8);
});

test('zig_bundled_aliased_mut_borrows_refused', () => {
  const x = z.createCounter(1);
  const e = code(() => z.swap(x, x), 'EXTREF_MUT_BORROWED');
  assert.match(e.message, /Counter/);
  assert.strictEqual(z.stats().liveBorrows, 0);
});

test('zig_bundled_take_then_taken', async () => {
  await collect();
  const x = z.createCounter(3);
  const takes = z.stats().takes;
  assert.strictEqual(z.take(x), 3);
  assert.strictEqual(z.stats().takes, takes + 1);
  code(() => z.get(x), 'EXTREF_TAKEN');
});

test('zig_bundled_foreign_refused', () => {
  code(() => z.get(z.createForeign()), 'EXTREF_FOREIGN', TypeError);
  code(() => z.get(1), 'EXTREF_NOT_EXTERNAL', TypeError);
});

test('zig_bundled_library_is_in_the_addon', () => {
  // The library's code lives in the addon itself, not in libextref.so.1.
  assert.match(z.libPath(), /extref_zig\.node$/);
  assert.strictEqual(z.versionString(), '1.1.0');
});
