// Scenario 9: memory pressure without yielding (node-addon-api #1140,
// napi-rs #372). One million externals announcing 1 MiB each, created in a
// loop with no await: RSS stays bounded, and the engine's external-memory
// counter returns to its start once all are collected.
//
// The loop is given a wall-clock budget (EXTREF_S9_BUDGET_MS, default
// 20000) so that a slow engine fails this test instead of the whole suite's
// time limit; the second test checks the invariants on whatever was made.
// EXTREF_PRESSURE_N sets the count (default 1e6).
import process from 'node:process';
import {
  test, addon, assert, collect, snapshot, runtime, waitForGc,
} from './harness.mjs';

// EXTREF_PRESSURE_N lowers the count for slow builds (suite 41, ASan).
const N = Number(process.env.EXTREF_PRESSURE_N || 1e6);
const MiB = 1 << 20;
const BUDGET_MS = Number(process.env.EXTREF_S9_BUDGET_MS || 20000);
const mb = (b) => (b / MiB).toFixed(1);

let made = 0;
let before = null;
let m0 = null;
let peakRss = 0;
let e0 = 0;

test(`${N === 1e6 ? 'million' : N}_externals_of_1_mib_created_without_` +
  'await_within_budget',
  async (t) => {
    await collect();
    before = snapshot();
    m0 = process.memoryUsage();
    e0 = addon.engineExternal();
    peakRss = m0.rss;
    const t0 = Date.now();
    let i = 0;
    for (; i < N; i++) {
      addon.create('counter', i, MiB);
      if ((i & 0x3ff) === 0) {
        const rss = process.memoryUsage().rss;
        if (rss > peakRss) peakRss = rss;
        if (Date.now() - t0 > BUDGET_MS) break;
      }
    }
    made = i < N ? i + 1 : N;
    const ms = Date.now() - t0;
    const m1 = process.memoryUsage();
    if (m1.rss > peakRss) peakRss = m1.rss;
    const s = addon.stats();
    const e1 = addon.engineExternal();
    t.log(`${runtime}: engine external-memory counter (napi_adjust_` +
      `external_memory) ${mb(e0)} -> ${mb(e1)} MiB after the loop`);
    t.log(`${runtime}: made ${made} externals in ${ms} ms ` +
      `(${(ms * 1000 / made).toFixed(1)} us each); rss start ` +
      `${mb(m0.rss)} MiB, peak ${mb(peakRss)} MiB; engine external ` +
      `${mb(m0.external)} -> ${mb(m1.external)} MiB; live payloads ` +
      `${s.livePayloads}, library announces ${mb(s.externalBytes)} MiB`);
    assert.equal(made, N, `only ${made} of ${N} externals in ${ms} ms: ` +
      'the engine garbage-collects on every announcement once the ' +
      'announced bytes pass its limit, and nothing is given back until ' +
      'finalizers run');
  });

test('externals_made_under_pressure_all_dropped_and_memory_returns',
  async (t) => {
    assert.ok(made > 1000, `only ${made} externals were made`);
    // A payload costs a few hundred bytes at most, engine object included.
    assert.ok(peakRss - m0.rss < 64 * MiB + made * 768,
      `RSS grew by ${mb(peakRss - m0.rss)} MiB for ${made} externals`);
    await waitForGc(() => addon.counters().drops.counter -
      before.counters.drops.counter >= made, 'every drop', 60000);
    await collect(4);
    const m2 = process.memoryUsage();
    const after = snapshot();
    t.log(`${runtime}: after GC rss ${mb(m2.rss)} MiB, engine external ` +
      `${mb(m2.external)} MiB (start ${mb(m0.external)} MiB)`);
    assert.equal(after.counters.drops.counter,
      before.counters.drops.counter + made);
    assert.equal(after.counters.doubleDrops, 0);
    assert.equal(after.stats.externalBytes, before.stats.externalBytes,
      'the library still announces memory');
    assert.equal(after.stats.livePayloads, before.stats.livePayloads);
    // The engine's own counter, read with napi_adjust_external_memory(0):
    // back within 4 MiB of its start (the engine moves it a little itself;
    // a leak here is gigabytes). process.memoryUsage().external does not
    // include these bytes in Node 20 or Deno, so it is only printed.
    const e2 = addon.engineExternal();
    t.log(`${runtime}: engine external-memory counter ${mb(e2)} MiB ` +
      `after GC (start ${mb(e0)} MiB)`);
    const drift = Math.abs(e2 - e0);
    assert.ok(drift < 4 * MiB, `engine external memory off by ` +
      `${mb(drift)} MiB`);
    assert.ok(Math.abs(m2.external - m0.external) < 64 * MiB);
  });
