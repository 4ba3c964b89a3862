// demo.mjs - libextref in ten short steps, told by a native "Counter".
//
// Run it with examples/run-demo.sh (or ./dev demo), which builds the addon
// first. Every sentence the demo prints about what happened is also checked:
// if the library did not do what the story says, the demo says so and exits
// with status 1.
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
// run-demo.sh says where it built the addon; the default is its usual place.
const addonPath = process.env.EXTREF_DEMO_ADDON ??
  fileURLToPath(new URL('../_build/examples/counter.node', import.meta.url));
const counter = require(addonPath);

// Garbage collection on demand: node --expose-gc and deno
// --v8-flags=--expose-gc give gc(); Bun has Bun.gc.
if (typeof globalThis.gc !== 'function' && globalThis.Bun) {
  globalThis.gc = () => globalThis.Bun.gc(true);
}
if (typeof globalThis.gc !== 'function') {
  console.error('demo.mjs needs garbage collection on demand: ' +
    'run it with examples/run-demo.sh, or as node --expose-gc demo.mjs');
  process.exit(2);
}

// ---- Telling and checking -------------------------------------------------

let claims = 0;
let failed = 0;

// Records one claim of the story; a false one is printed, never hidden.
function check(ok, claim) {
  claims++;
  if (!ok) {
    failed++;
    console.log(`   !! NOT TRUE: ${claim}`);
  }
  return ok;
}

// A numbered step, what the library answered, and plain remarks; extra
// arguments continue the same sentence on indented lines.
const step = (n, text, ...rest) => {
  console.log(`${n}. ${text}`);
  for (const line of rest) console.log(`   ${line}`);
};
const answer = (text, ...rest) => {
  console.log(`   -> ${text}`);
  for (const line of rest) console.log(`      ${line}`);
};
const more = (text) => console.log(`   ${text}`);

// Runs fn, expecting the library to refuse it with the given code.
// Returns the error, or null when fn (wrongly) succeeded.
function expectRefusal(fn, code, what, cleanup) {
  try {
    const value = fn();
    check(false, `${what} is refused with ${code} (it was granted)`);
    if (cleanup) cleanup(value);
    return null;
  } catch (e) {
    check(e instanceof Error, `the refusal is a JS Error (got ${e})`);
    check(e.code === code, `the error code is ${code} (got ${e.code})`);
    check(typeof e.message === 'string' && e.message.length > 0,
      'the error has a message');
    answer(`refused with a JS Error, code ${e.code}:`, `"${e.message}"`);
    return e;
  }
}

// One garbage collection, then a turn of the event loop so that the
// engine's finalizers (which tell the library an external is gone) run.
async function collect(times) {
  for (let i = 0; i < times; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const stats = () => counter.stats();

// ---- The story ------------------------------------------------------------

console.log(`libextref ${counter.version()} demo: JavaScript uses a native ` +
  'Counter; the library owns it\nand checks every borrow at run time.\n');

const start = stats();
check(start.livePayloads === 0 && start.liveBorrows === 0 &&
  start.liveHolds === 0, 'the library starts with nothing live');

// 1. Create.
step(1, 'Create a Counter (a C struct with an int64) holding 41.');
let original = counter.create(41);
const originalId = counter.idOf(original);
check(counter.get(original) === 41, 'the new Counter holds 41');
check(stats().livePayloads === 1, 'the library counts 1 live payload');
answer(`a JS external; read through a borrow it holds ` +
  `${counter.get(original)}. Live payloads: ${stats().livePayloads}.`);

// 2. Two shared borrows at once.
step(2, 'Open two shared borrows (read-only, like &T) at the same time.');
const a = counter.borrow(original, false);
const b = counter.borrow(original, false);
check(counter.readBorrow(a) === 41 && counter.readBorrow(b) === 41,
  'both shared borrows see 41');
check(stats().liveBorrows === 2, 'the library counts 2 live borrows');
answer(`both granted, both see ${counter.readBorrow(a)}. ` +
  `Live borrows: ${stats().liveBorrows}.`);

// 3. A conflicting exclusive borrow.
step(3, 'While they are open, ask for an exclusive borrow (like &mut T).');
const busy = expectRefusal(() => counter.borrow(original, true),
  'EXTREF_BORROWED', 'an exclusive borrow during shared ones',
  (slot) => counter.release(slot));
if (busy) check(busy.message.includes('Counter'), 'the message names Counter');

// 4. Exclusive access once the shared borrows end.
step(4, 'Close both shared borrows and ask again.');
counter.release(a);
counter.release(b);
check(stats().liveBorrows === 0, 'no borrow is live after closing both');
const ex = counter.borrow(original, true);
const after = counter.addThrough(ex, 1);
check(after === 42, 'adding 1 through the exclusive borrow gives 42');
answer(`granted; adding 1 through it makes ${after}.`);

// 5. A conflicting shared borrow.
step(5, 'While the exclusive borrow is open, ask for a shared one.');
const locked = expectRefusal(() => counter.borrow(original, false),
  'EXTREF_MUT_BORROWED', 'a shared borrow during an exclusive one',
  (slot) => counter.release(slot));
if (locked) {
  check(locked.message.includes('Counter'), 'the message names Counter');
}
counter.release(ex);
check(stats().liveBorrows === 0, 'no borrow is live after closing it');
check(counter.get(original) === 42, 'the Counter holds 42 after the write');
more(`Close it: live borrows ${stats().liveBorrows}, ` +
  `the Counter holds ${counter.get(original)}.`);

// 6. Thread-bound by default.
step(6, 'A Counter is bound to the JS thread. A native thread tries to ' +
  'read it.');
const probe = counter.tryFromThread(original);
check(probe.code === 'EXTREF_WRONG_THREAD',
  `the other thread is refused with EXTREF_WRONG_THREAD (got ${probe.code})`);
answer(`refused on that thread, code ${probe.code}:`, `"${probe.message}"`);

// 7. A hold keeps the payload alive through GC while a worker uses it.
step(7, 'A native worker thread takes a hold (a counted owner, like Arc) ' +
  'on a',
'SendCounter (a type marked EXTREF_TYPE_SEND) holding 0, and adds 1 every',
'10 ms for ~300 ms. Meanwhile JS drops its only reference, forces gc()',
'5 times, then tells the worker it may finish.');

// The SendCounter lives only inside this function: once it returns, the
// WeakRef is the only way JS could still reach the external.
function startWorkerAndForget() {
  const c = counter.createSend(0);
  const id = counter.idOf(c);
  return { id, done: counter.startWorker(c, 300), weak: new WeakRef(c) };
}
const job = startWorkerAndForget();
let workerFinished = false;
job.done.then(() => { workerFinished = true; }, () => {});
await collect(5);
const collected = job.weak.deref() === undefined;
const midLog = counter.dropLog(job.id);
const mid = stats();
check(collected, 'JS has collected the SendCounter external');
check(!workerFinished, 'the worker is still running after the gc() calls');
check(midLog.count === 0, 'the SendCounter has not been dropped yet');
check(mid.liveHolds === 1, 'the worker\'s hold is live');
answer(`JS ${collected ? 'has collected' : 'did NOT collect'} the ` +
  'external, yet the payload lives on:',
`dropped ${midLog.count} times, live holds ${mid.liveHolds}.`);
counter.letWorkerFinish();

const timeout = sleep(20000, null, { ref: false });
const report = await Promise.race([job.done, timeout]);
if (!check(report !== null, 'the worker reports back within 20 s')) {
  console.log(`\nThe story did NOT check out: ${failed} of ${claims} ` +
    'claims failed.');
  process.exit(1);
}
const dropLog = counter.dropLog(job.id);
check(!report.gateTimedOut, 'the worker heard that it may finish');
check(report.borrowCode === 'EXTREF_OK',
  `every borrow through the hold was granted (got ${report.borrowCode})`);
check(report.increments === 30,
  `the worker added 1 thirty times (got ${report.increments})`);
check(report.releaseCode === 'EXTREF_OK',
  `the worker released its hold (got ${report.releaseCode})`);
answer(`the worker finished: ${report.increments} increments, then ` +
  `released its hold (${report.releaseCode}).`);
check(dropLog.count === 1, `dropped exactly once (got ${dropLog.count})`);
check(dropLog.seq > report.releasedSeq,
  'the drop ran after the worker released its hold');
check(report.droppedOnWorkerThread && dropLog.envNull,
  'the drop ran on the worker thread, with env NULL');
check(dropLog.value === 30,
  `the payload was intact: 30 (got ${dropLog.value})`);
check(stats().deferredDrops === 1, 'the library counts 1 deferred drop');
answer('dropped after the worker released it: once, on the worker thread',
  `(env NULL), holding ${dropLog.value}, every increment intact.`);

// 8. Clone-out.
step(8, 'Clone the Counter out into a fresh value, then add 100 to the ' +
  'clone.');
let copy = counter.cloneOut(original);
const copyBefore = counter.get(copy);
const cx = counter.borrow(copy, true);
const copyAfter = counter.addThrough(cx, 100);
counter.release(cx);
check(copyBefore === 42, `the clone starts at 42 (got ${copyBefore})`);
check(counter.idOf(copy) !== originalId, 'the clone is another payload');
check(copyAfter === 142 && counter.get(original) === 42,
  'changing the clone leaves the original alone');
answer(`a new Counter holding ${copyBefore}; the clone now holds ` +
  `${counter.get(copy)}, the original ${counter.get(original)}.`);

// 9. Take.
step(9, 'Take the payload out of the original Counter (a move, like ' +
  'Option::take).');
const taken = counter.take(original);
check(taken === 42, `the taken struct holds 42 (got ${taken})`);
check(stats().takes === 1, 'the library counts 1 take');
answer(`the C struct (holding ${taken}) is the caller's now; the library ` +
  'will never', 'drop it.');
more('Read the external again:');
expectRefusal(() => counter.get(original), 'EXTREF_TAKEN',
  'reading a taken Counter');

// 10. Everything returns to zero.
step(10, 'Drop every JS reference, collect garbage, and read the ' +
  'library\'s stats.');
original = null;
copy = null;
for (let i = 0; i < 20 && stats().livePayloads !== 0; i++) await collect(1);
const end = stats();
check(end.livePayloads === 0, `no live payloads (got ${end.livePayloads})`);
check(end.liveBorrows === 0, `no live borrows (got ${end.liveBorrows})`);
check(end.liveHolds === 0, `no live holds (got ${end.liveHolds})`);
check(end.externalBytes === 0,
  `all external memory given back (got ${end.externalBytes})`);
check(end.drops === 2 && end.takes === 1 && end.deferredDrops === 1,
  `2 drops (1 deferred) and 1 take (got ${end.drops}, ` +
  `${end.deferredDrops}, ${end.takes})`);
answer(`live payloads ${end.livePayloads}, live borrows ` +
  `${end.liveBorrows}, live holds ${end.liveHolds}, external bytes ` +
  `${end.externalBytes}.`);
let exact = true;
const ids = counter.idsUsed();
for (let id = 1; id <= ids; id++) {
  const want = id === originalId ? 0 : 1;
  const got = counter.dropLog(id).count;
  exact = check(got === want,
    `payload #${id} dropped ${want} time(s) (got ${got})`) && exact;
}
check(ids === 3, `three payloads were made (got ${ids})`);
answer(`${end.drops} dropped (${end.deferredDrops} after a hold ended), ` +
  `${end.takes} taken: each Counter was dropped`,
'exactly once or taken, never both.');

// ---- The verdict ------------------------------------------------------------

if (failed === 0) {
  console.log(`\nThe story checks out: all ${claims} claims verified.`);
} else {
  console.log(`\nThe story did NOT check out: ${failed} of ${claims} ` +
    'claims failed.');
  process.exitCode = 1;
}
