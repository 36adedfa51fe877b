// npm run bench:peers [-- --rounds 5 --sequential 200 --inflight 400 --cold 10000 --write]
// EdgeCart's module against the IndexedDB libraries a web developer would pick instead (raw
// IndexedDB, Dexie 4, PouchDB 9), in one headless Chromium run (Debian's chromium, playwright-core).
// The workload is one "order": read the stock, reserve one unit, take the next order number,
// write the order, one atomic commit (scripts/peers/engines.js). Engines run interleaved: each
// round runs every engine once, in a rotated order, and the figures are medians over rounds.
//   - one at a time: `--sequential` orders, each awaited before the next (orders/s, p50 ms);
//   - 16 in flight: `--inflight` orders, 16 awaited at a time (orders/s);
//   - cold open: a store of `--cold` orders, in a new page: open it and read the first 20 (ms);
//     for EdgeCart also a till with a history: `--history` orders sold, all but the last `--cold`
//     final and taken out of the live state by retention (its open should follow the live orders);
//   - bytes handed to IndexedDB per order (one at a time).
// EdgeCart runs on its own IndexedDB layer (the default) and on Emscripten's stock IDBFS
// (storage 'idbfs'): the row that shows why the default is what it is.
// Strict and relaxed IndexedDB durability are both measured where an engine can choose.
// Prints a Markdown table and the JSON; --write puts both into docs/bench-peers.{md,json}.
// --smoke runs a tiny size (for CI: it checks that every engine runs, it times nothing).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS } from '../test/chromium.js';
import { arg, smoke } from './bench-args.mjs';
import { serve } from '../test/serve.js';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const params = {
  rounds: arg('rounds', smoke ? 1 : 5),
  sequential: arg('sequential', smoke ? 10 : 200),
  inflight: arg('inflight', smoke ? 32 : 400),
  cold: arg('cold', smoke ? 50 : 10000),
  history: arg('history', smoke ? 400 : 100000),
};
const CONFIGS = [
  { id: 'edgecart-strict', engine: 'edgecart', durability: 'strict', label: 'EdgeCart' },
  { id: 'edgecart-relaxed', engine: 'edgecart', durability: 'relaxed', label: 'EdgeCart' },
  // Emscripten's stock IDBFS (openShop storage 'idbfs'): relaxed, the only durability it has.
  { id: 'edgecart-idbfs', engine: 'edgecartIdbfs', durability: 'relaxed', label: 'EdgeCart on IDBFS' },
  { id: 'indexeddb-strict', engine: 'indexeddb', durability: 'strict', label: 'raw IndexedDB' },
  { id: 'indexeddb-relaxed', engine: 'indexeddb', durability: 'relaxed', label: 'raw IndexedDB' },
  { id: 'dexie-strict', engine: 'dexie', durability: 'strict', label: 'Dexie 4' },
  { id: 'dexie-relaxed', engine: 'dexie', durability: 'relaxed', label: 'Dexie 4' },
  { id: 'pouchdb', engine: 'pouchdb', durability: null, label: 'PouchDB 9' },
];
// Cold-open stores: [name, engine].
const COLD = [['edgecart', 'edgecart'], ['edgecartIdbfs', 'edgecartIdbfs'], ['indexeddb', 'indexeddb'], ['dexie', 'dexie'],
  ['pouchdb', 'pouchdb'], ['edgecart-history', 'edgecart']];

const server = await serve(web);
const profile = mkdtempSync(join(tmpdir(), 'edgecart-peers-'));
const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
const newPage = async () => {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(`${server.url}/scripts/peers/page.html`);
  await page.waitForFunction(() => window.ready === true);
  return page;
};

// One engine's throughput runs in `page`, on its database (grown by every round).
const seeded = new Set();
const throughput = (page, c) => {
  const seed = !seeded.has(c.id);
  seeded.add(c.id);
  return runThroughput(page, c, seed);
};
const runThroughput = (page, c, seed) => page.evaluate(async ({ c, params, seed }) => {
  const e = window.engines[c.engine](`peer-${c.id}`, c.durability);
  await e.open();
  if (seed) await e.seed();
  const b0 = window.countBytes();
  const ms = [];
  let t0 = performance.now();
  for (let i = 0; i < params.sequential; i++) {
    const t = performance.now();
    await e.order();
    ms.push(performance.now() - t);
  }
  const sequentialS = (performance.now() - t0) / 1000;
  const bytes = (window.countBytes() - b0) / params.sequential;
  t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next++ < params.inflight) await e.order();
  }));
  const inflightS = (performance.now() - t0) / 1000;
  await e.close();
  ms.sort((a, b) => a - b);
  return { sequential: params.sequential / sequentialS, p50: ms[Math.floor(ms.length / 2)],
           inflight: params.inflight / inflightS, bytes };
}, { c, params, seed });

// Fills the cold-open store of `engine` with `n` orders (64 in flight, relaxed where possible;
// PouchDB one at a time: in flight, its optimistic retries on the one stock document pile up).
const fill = (page, engine, n) => page.evaluate(async ({ engine, n }) => {
  const e = window.engines[engine](`cold-${engine}`, 'relaxed');
  await e.open();
  await e.seed();
  let next = 0;
  await Promise.all(Array.from({ length: engine === 'pouchdb' ? 1 : 64 }, async () => {
    while (next++ < n) await e.order();
  }));
  await e.close();
}, { engine, n });

// A new page: open store `name` of `engine` and read its first 20 orders.
const coldOpen = async ([name, engine]) => {
  const page = await newPage();
  try {
    return await page.evaluate(async ([name, engine]) => {
      const t0 = performance.now();
      const e = window.engines[engine](`cold-${name}`, 'strict');
      await e.open();
      const got = await e.first20();
      const ms = performance.now() - t0;
      const fromNavigation = performance.now();  // since the page was asked for: page, library, open, read
      if (got !== 20) throw new Error(`${engine}: first page had ${got} orders`);
      const heap = e.heapBytes?.() ?? null;
      const parts = e.openMs?.() ?? null;  // EdgeCart: module, IndexedDB load, log open
      await e.close();
      return { ms, fromNavigation, heap, parts };
    }, [name, engine]);
  } finally {
    await page.close();
  }
};

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const samples = Object.fromEntries(CONFIGS.map((c) => [c.id, []]));
const colds = Object.fromEntries(COLD.map(([name]) => [name, []]));
try {
  const filler = await newPage();
  for (const [name] of COLD.filter(([name, engine]) => name === engine)) {
    const t0 = performance.now();
    await fill(filler, name, params.cold);
    console.error(`filled ${name} with ${params.cold} orders in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const t0 = performance.now();
  const evicted = await filler.evaluate(async ({ total, live }) => {
    const e = window.engines.edgecart('cold-edgecart-history', 'relaxed');
    await e.open();
    await e.seed();
    const n = await e.history(total, live);
    await e.close();
    return n;
  }, { total: params.history, live: params.cold });
  console.error(`sold ${params.history} orders on the history till, ${evicted} left the live state, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await filler.close();
  for (let r = 0; r < params.rounds; r++) {
    const page = await newPage();
    const order = CONFIGS.map((_, i) => CONFIGS[(i + r) % CONFIGS.length]);
    for (const c of order) samples[c.id].push(await throughput(page, c));
    await page.close();
    for (const c of COLD.map((_, i) => COLD[(i + r) % COLD.length])) colds[c[0]].push(await coldOpen(c));
    console.error(`round ${r + 1}/${params.rounds} done`);
  }
} finally {
  await context.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}

const results = {};
for (const c of CONFIGS) {
  const s = samples[c.id];
  results[c.id] = {
    label: c.label, durability: c.durability,
    sequentialPerS: median(s.map((x) => x.sequential)), sequentialP50Ms: median(s.map((x) => x.p50)),
    inflightPerS: median(s.map((x) => x.inflight)), bytesPerOrder: median(s.map((x) => x.bytes)),
    rounds: s,
  };
}
const cold = Object.fromEntries(COLD.map(([e]) => [e, {
  ms: median(colds[e].map((x) => x.ms)), fromNavigationMs: median(colds[e].map((x) => x.fromNavigation)),
  openMs: colds[e][0]?.parts ? Object.fromEntries(Object.keys(colds[e][0].parts).map((k) => [k, median(colds[e].map((x) => x.parts[k]))])) : null,
  heapBytes: colds[e][0]?.heap ?? null, rounds: colds[e].map((x) => x.ms),
}]));
const chromiumVersion = (() => {
  try {
    return execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
const wasm = readFileSync(join(web, 'dist', 'edgecart.wasm'));
const report = {
  command: `npm --prefix web run bench:peers --${smoke ? ' --smoke' : ''} --rounds ${params.rounds} --sequential ${params.sequential} --inflight ${params.inflight} --cold ${params.cold} --history ${params.history}`,
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, chromium: chromiumVersion, node: process.version },
  params, wasmBytes: wasm.length, results, cold,
};

const n = (x, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
const lines = [];
lines.push(`| measure | ${CONFIGS.map((c) => `${c.label}${c.durability ? ` (${c.durability})` : ''}`).join(' | ')} |`);
lines.push(`|---|${CONFIGS.map(() => '---').join('|')}|`);
lines.push(`| one order at a time, awaited (orders/s, p50 ms) | ${CONFIGS.map((c) => `${n(results[c.id].sequentialPerS)} (${n(results[c.id].sequentialP50Ms, 2)})`).join(' | ')} |`);
lines.push(`| 16 in flight (orders/s) | ${CONFIGS.map((c) => n(results[c.id].inflightPerS)).join(' | ')} |`);
lines.push(`| bytes handed to IndexedDB per order | ${CONFIGS.map((c) => n(results[c.id].bytesPerOrder)).join(' | ')} |`);
lines.push(`| cold open, ${n(params.cold)} orders → first 20 in hand: from navigation (open + read) ms | ${CONFIGS.map((c) => (c.durability !== 'relaxed' || c.id === 'edgecart-idbfs' ? `${n(cold[c.engine].fromNavigationMs)} (${n(cold[c.engine].ms)})` : '')).join(' | ')} |`);
const vs = (id, ref) => ({
  sequential: ratio(results[id].sequentialPerS, results[ref].sequentialPerS),
  inflight: ratio(results[id].inflightPerS, results[ref].inflightPerS),
});
const strict = vs('edgecart-strict', 'indexeddb-strict');
const relaxed = vs('edgecart-relaxed', 'indexeddb-relaxed');
report.ratios = { strict, relaxed, coldOpen: cold.edgecart.fromNavigationMs / cold.indexeddb.fromNavigationMs,
                   historyOpen: cold['edgecart-history'].fromNavigationMs / cold.edgecart.fromNavigationMs };
const table = `${lines.join('\n')}

EdgeCart ÷ raw IndexedDB at the same durability: one at a time ${strict.sequential} (strict), ${relaxed.sequential} (relaxed);
16 in flight ${strict.inflight} (strict), ${relaxed.inflight} (relaxed); cold open from navigation ${report.ratios.coldOpen.toFixed(2)}× the time.
Emscripten's IDBFS under the same core (storage 'idbfs', relaxed) ÷ EdgeCart's own layer (relaxed): one at a time ${ratio(results['edgecart-idbfs'].sequentialPerS, results['edgecart-relaxed'].sequentialPerS)}, 16 in flight ${ratio(results['edgecart-idbfs'].inflightPerS, results['edgecart-relaxed'].inflightPerS)}, bytes per order ${n(results['edgecart-idbfs'].bytesPerOrder)} against ${n(results['edgecart-relaxed'].bytesPerOrder)}, cold open from navigation ${n(cold.edgecartIdbfs.fromNavigationMs)} ms against ${n(cold.edgecart.fromNavigationMs)} ms.
EdgeCart with a history of ${n(params.history)} orders sold (the last ${n(params.cold)} live, the rest final and retired by retention): cold open from navigation ${n(cold['edgecart-history'].fromNavigationMs)} ms (open + read ${n(cold['edgecart-history'].ms)} ms), ${(cold['edgecart-history'].fromNavigationMs / cold.edgecart.fromNavigationMs).toFixed(2)}× the till with ${n(params.cold)} orders.
EdgeCart's open, medians: ${['edgecart', 'edgecart-history'].map((k) => `${k === 'edgecart' ? 'the till' : 'the history till'}: module ${n(cold[k].openMs?.module ?? 0)} ms, IndexedDB load ${n(cold[k].openMs?.load ?? 0)} ms, log open ${n(cold[k].openMs?.open ?? 0)} ms`).join('; ')}.
EdgeCart's WebAssembly memory after the cold open: ${n(cold.edgecart.heapBytes / 2 ** 20, 1)} MiB (${n(params.cold)} orders), ${n(cold['edgecart-history'].heapBytes / 2 ** 20, 1)} MiB (the history till); module ${n(wasm.length)} bytes.

Command: \`${report.command}\` — ${report.date.slice(0, 10)}, ${report.machine.cpu} (${report.machine.cores} cores), ${chromiumVersion}, Node ${process.version}.`;
console.log(table);
console.log(JSON.stringify(report));
if (process.argv.includes('--write')) {
  writeFileSync(join(web, '..', 'docs', 'bench-peers.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(web, '..', 'docs', 'bench-peers.md'), `# Peer benchmark: the last run\n\nWritten by \`npm --prefix web run bench:peers -- --write\` (what it measures: docs/benchmarks.md).\n\n${table}\n`);
}
