// npm run bench [-- --orders 1000,100000 --cold 10000 --skip-node]
// Measures the web package (after npm run build):
//   - the release .wasm size, raw and gzip -9;
//   - WASM throughput in Node: create-order-with-reservation, memory storage;
//   - in headless Chromium with IndexedDB: the persist cost of one command (bytes a save puts
//     to IndexedDB and ms until the write's promise resolves) in a store already holding N orders,
//     for each N of --orders; and the cold open (page load -> openShop resolved -> first list)
//     of a store holding --cold orders.
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS } from '../test/chromium.js';
import { serve } from '../test/serve.js';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const orderCounts = arg('orders', '1000,100000').split(',').map(Number);
const cold = Number(arg('cold', '10000'));
const samples = Number(arg('samples', '200'));

const wasm = readFileSync(join(web, 'dist', 'edgecart.wasm'));
console.log(`wasm size: ${wasm.length} bytes raw, ${gzipSync(wasm, { level: 9 }).length} bytes gzip -9`);

if (!process.argv.includes('--skip-node')) {
  const { openShop } = await import('edgecart');
  const shop = await openShop({ tenant: 'bench', user: 'bench', storage: 'memory' });
  await shop.products.create({ code: 'PRD-001', name: 'M', categoryCode: 'A', sku: 'S', price: 29.99, currency: 'USD' });
  await shop.inventory.update('PRD-001', { quantity: 1e9 });
  const body = JSON.stringify(order());
  const n = 20000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const r = await shop.request('POST', '/orders', body);
    if (r.status !== 201) throw new Error(JSON.stringify(r.body));
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`node wasm, memory: ${Math.round(n / s)} orders/s (${n} orders via shop.request)`);
  await shop.close();
}

function order() {
  return {
    customerId: 'CUST-001',
    items: [{ productCode: 'PRD-001', name: 'Wireless Mouse', quantity: 1, price: 29.99 }],
    shippingAddress: { street: '123 Main St', city: 'Tokyo', postalCode: '100-0001', country: 'JP' },
    paymentMethod: 'credit_card',
  };
}

const server = await serve(web);
const profile = mkdtempSync(join(tmpdir(), 'edgecart-bench-'));
const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
const page = await context.newPage();
page.on('pageerror', (e) => console.error('page error:', e));
const load = async () => {
  await page.goto(`${server.url}/test/page.html`);
  await page.waitForFunction(() => window.ready === true);
};

// In the page: count the bytes the saves put into IndexedDB.
const instrument = () => page.evaluate(() => {
  window.putBytes = 0;
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (value, key) {
    if (value instanceof Uint8Array) window.putBytes += value.byteLength;
    return put.call(this, value, key);
  };
});

// Grows database `name` to `total` orders, 500 writes in flight at a time (they share syncs).
const grow = (name, total) => page.evaluate(async ([name, total]) => {
  const shop = await window.edgecart.openShop({ tenant: 'bench', user: 'bench', name });
  const inv = await shop.request('GET', '/inventory/PRD-001');
  if (inv.status === 404) {
    await shop.products.create(window.edgecart.product('PRD-001'));
    await shop.inventory.update('PRD-001', { quantity: 1e9 });
  }
  let have = (await shop.request('GET', '/inventory/PRD-001')).body.attributes.reservedQuantity / 2;
  while (have < total) {
    const n = Math.min(500, total - have);
    await Promise.all(Array.from({ length: n }, () => shop.orders.create(window.edgecart.seedOrder())));
    have += n;
  }
  await shop.close();
}, [name, total]);

// Persist cost of one command: `samples` order creations one after another.
const persistCost = (name, samples) => page.evaluate(async ([name, samples]) => {
  const shop = await window.edgecart.openShop({ tenant: 'bench', user: 'bench', name });
  const ms = [];
  const bytes = [];
  for (let i = 0; i < samples; i++) {
    const b0 = window.putBytes;
    const t0 = performance.now();
    await shop.orders.create(window.edgecart.seedOrder());
    ms.push(performance.now() - t0);
    bytes.push(window.putBytes - b0);
  }
  await shop.close();
  const q = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))];
  const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  return { msMedian: q(ms, 0.5), msP95: q(ms, 0.95), msMax: Math.max(...ms), bytesMean: mean(bytes), bytesMedian: q(bytes, 0.5), bytesMax: Math.max(...bytes) };
}, [name, samples]);

try {
  await load();
  for (const n of orderCounts) {
    const t0 = performance.now();
    await grow(`persist-${n}`, n);
    const grown = ((performance.now() - t0) / 1000).toFixed(1);
    await load();
    await instrument();
    const c = await persistCost(`persist-${n}`, samples);
    console.log(`persist cost at ${n} orders (grown in ${grown} s): ` +
      `median ${c.msMedian.toFixed(2)} ms, p95 ${c.msP95.toFixed(2)} ms, max ${c.msMax.toFixed(1)} ms; ` +
      `bytes to IndexedDB per command: mean ${Math.round(c.bytesMean)}, median ${c.bytesMedian}, max ${c.bytesMax}`);
  }
  if (cold > 0) {
    await load();
    await grow(`cold-${cold}`, cold);
    const times = [];
    for (let i = 0; i < 5; i++) {
      await load();
      times.push(await page.evaluate(async (name) => {
        const t0 = performance.now();
        const shop = await window.edgecart.openShop({ tenant: 'bench', user: 'bench', name });
        await shop.orders.list({ limit: 20 });
        const t = performance.now() - t0;
        const { openMs, snapshotBytes, stateRows } = shop.stats();
        await shop.close();
        return { t, openMs, snapshotBytes, stateRows };
      }, `cold-${cold}`));
    }
    times.sort((a, b) => a.t - b.t);
    const m = times[2];
    console.log(`cold open with ${cold} orders: median ${m.t.toFixed(1)} ms (runs: ${times.map((r) => r.t.toFixed(0)).join(', ')} ms); ` +
      `median run: module ${m.openMs.module.toFixed(0)} ms, IndexedDB load ${m.openMs.load.toFixed(0)} ms, ` +
      `log open ${m.openMs.open.toFixed(0)} ms; snapshot ${m.snapshotBytes} bytes, ${m.stateRows} state rows`);
  }
} finally {
  await context.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}
