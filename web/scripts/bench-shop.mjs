// npm run bench:shop [-- --products 20000 --days 30 --per-day 300 --sales 40 --write] | -- --smoke
// A real shop's size (scripts/shop-data.mjs: 20,000 products in 40 categories with EAN-13
// barcodes and stock, a month of sales from 4 tills) against edgecart-server on SQLite over
// loopback, with the till and the storefront in headless Chromium (Debian's chromium,
// playwright-core), and the same catalogue in Dexie 4 side by side in the same run:
//   - import: the catalogue with its stock as CSV through POST /products/import (parts of 10,000 rows);
//   - server pull: every row of the tenant through GET /sync/pull as a till (rows/s);
//   - new till (an empty profile): from navigation to the first screen, and to every product
//     sellable by its barcode (the last one's found); the client's apply rate of the pull;
//   - a sale by barcode (scan + Enter, Enter to payment, the cash given, Enter until the receipt
//     shows), the next sale (New sale until the next scan is in the cart), search as you type;
//   - reopened till: from navigation to ready and to the last product found by its barcode;
//   - memory: the till's WebAssembly memory + JS heap once everything is in;
//   - side by side: barcode look-up, a category page of 48 and a name search with their stock,
//     in EdgeCart (the till's module) and in Dexie 4 (scripts/shop/dexie.js), medians;
//   - storefront (an empty profile): from navigation to the first product card.
// Sales and keystrokes are driven inside the page (events as a scanner and a keyboard send
// them), so the figures are the apps' own time, not the automation's.
// Prints a Markdown table and the JSON; --write puts both into docs/bench-shop.{md,json}.
// --smoke runs a tiny shop (CI: everything runs; nothing is timed against a goal).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS } from '../test/chromium.js';
import { arg, smoke } from './bench-args.mjs';
import { serve } from '../test/serve.js';
import { startServer, token } from '../test/server.js';
import { generateShop, toCsv } from './shop-data.mjs';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const params = {
  products: arg('products', smoke ? 300 : 20000),
  days: arg('days', smoke ? 1 : 30),
  perDay: arg('per-day', smoke ? 20 : 300),
  tills: 4,
  sales: arg('sales', smoke ? 3 : 40),
  reads: arg('reads', smoke ? 3 : 50),
};
const GOALS = {
  newTillMs: 10_000, reopenMs: 1_500, saleP95Ms: 150, nextSaleMs: 150, keystrokeMs: 50,
  serverRowsPerS: 20_000, clientRowsPerS: 20_000, storeFirstCardMs: 2_000, memoryMB: 96, importMs: 10_000, vsDexie: 1.5,
};
const log = (text) => console.error(`bench:shop: ${text}`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] ?? 0;

const shop = generateShop({ products: params.products, days: params.days, salesPerDay: params.perDay, tills: params.tills });
const last = shop.products[shop.products.length - 1];
const server = await startServer({ args: ['--dev', '--pages', join(web, 'dist', 'site'), '--dist', join(web, 'dist')] });
const admin = token(server.secret, 'demo', 'bench-admin', ['admin']);
const api = async (method, path, body, bearer = admin, type = 'application/json') => {
  const r = await fetch(`${server.url}${path}`, {
    method, headers: { authorization: `Bearer ${bearer}`, ...(body ? { 'content-type': type } : {}) }, body,
  });
  return { status: r.status, body: await r.json() };
};
const figures = {};
const profiles = [];
const files = await serve(web);
let context = null;

try {
  // ---- the shop's data on the server ----
  let t0 = performance.now();
  for (let i = 0; i < shop.products.length; i += 10000) {
    const r = await api('POST', '/products/import', toCsv(shop.products.slice(i, i + 10000)), admin, 'text/csv');
    if (r.status !== 200 || r.body.rejectedCount !== 0) throw new Error(`import: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  }
  figures.importMs = performance.now() - t0;
  log(`imported ${shop.products.length} products with stock in ${figures.importMs.toFixed(0)} ms`);
  const prices = new Map(shop.products.map((p) => [p.code, p.price]));
  const tillTokens = Array.from({ length: params.tills }, (_, i) => token(server.secret, 'demo', `till-${i + 1}`, ['cashier']));
  t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < shop.sales.length) {
      const sale = shop.sales[next++];
      const r = await api('POST', '/orders', JSON.stringify({
        customerId: 'walk-in', paymentMethod: 'cash',
        shippingAddress: { street: 'Counter sale', city: 'Tokyo', postalCode: '100-0001', country: 'JP' },
        items: sale.lines.map((l) => ({ ...l, price: prices.get(l.productCode) })),
      }), tillTokens[Number(sale.till.slice(5)) - 1]);
      if (r.status !== 201) throw new Error(`sale: ${r.status} ${JSON.stringify(r.body)}`);
    }
  }));
  log(`sold a month of history: ${shop.sales.length} sales in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // ---- the server's pull ----
  t0 = performance.now();
  let cursor = '';
  let rows = 0;
  for (;;) {
    const r = await api('GET', `/sync/pull?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    rows += r.body.items.length;
    cursor = r.body.cursor;
    if (!r.body.more) break;
  }
  figures.tenantRows = rows;
  figures.serverRowsPerS = rows / ((performance.now() - t0) / 1000);
  log(`the server sends ${figures.tenantRows} rows at ${figures.serverRowsPerS.toFixed(0)} rows/s`);

  // ---- the till ----
  const profile = mkdtempSync(join(tmpdir(), 'edgecart-shop-'));
  profiles.push(profile);
  const launch = () => chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--enable-precise-memory-info', '--js-flags=--expose-gc'], headless: true,
    viewport: { width: 1200, height: 900 },
  });
  context = await launch();
  const problems = [];
  context.on('page', (p) => p.on('pageerror', (e) => problems.push(String(e))));
  // From navigation to `until` being true in the page (polled every 20 ms), in ms; a page that
  // never gets there (3 minutes) ends the run with its errors.
  const sinceNavigation = async (page, until, arg) => {
    const ms = await page.evaluate(async ({ until, arg }) => {
      const test = new Function('arg', `return (${until})(arg)`);
      while (performance.now() < 180_000) {
        try {
          if (await test(arg)) return performance.now();
        } catch { /* not yet */ }
        await new Promise((r) => setTimeout(r, 20));
      }
      return null;
    }, { until: until.toString(), arg });
    if (ms === null) throw new Error(`${page.url()}: never ${until} (${problems.join('; ') || 'no page error'})`);
    return ms;
  };
  const sellable = (sku) => window.till?.ready && window.till.shop.products.listWithStock({ sku, limit: 1 }).then((p) => p.items.length === 1);
  let page = await context.newPage();
  await page.goto(`${server.url}/till/?till=bench-1`);
  figures.newTillReadyMs = await sinceNavigation(page, () => document.body.dataset.ready === 'true');
  figures.newTillSellAnyMs = await sinceNavigation(page, sellable, last.sku);
  figures.newTillPulledMs = await sinceNavigation(page, (rows) => window.till.shop.stats().pulled.rows >= rows, figures.tenantRows);
  const pulled = await page.evaluate(() => window.till.shop.stats().pulled);
  figures.clientRowsPerS = pulled.rows / ((pulled.applyMs + pulled.saveMs) / 1000);
  figures.pulled = pulled;
  log(`new till: ready ${figures.newTillReadyMs.toFixed(0)} ms, the last barcode sellable at ${figures.newTillSellAnyMs.toFixed(0)} ms, everything pulled at ${figures.newTillPulledMs.toFixed(0)} ms; ` +
      `${pulled.rows} rows: fetch ${pulled.fetchMs.toFixed(0)} ms, apply ${pulled.applyMs.toFixed(0)} ms, save ${pulled.saveMs.toFixed(0)} ms: ${figures.clientRowsPerS.toFixed(0)} rows/s applied and saved`);

  // The drawer opened with an empty float through its screen (a sale counts in it), then sales
  // by barcode, driven in the page as a scanner and a cashier's keys would.
  await page.evaluate(() => { location.hash = '#drawer'; });
  await page.waitForSelector('#float');
  await page.fill('#float', '0');
  await page.click('#open-drawer button[type=submit]');
  await page.waitForFunction(() => document.body.dataset.drawer === 'open');
  await page.evaluate(() => { location.hash = '#sell'; });
  await page.waitForFunction(() => !document.getElementById('view-sell').hidden);
  const skus = Array.from({ length: params.sales }, (_, i) => shop.products[(i * 7919) % shop.products.length].sku);
  const sale = await page.evaluate(async (skus) => {
    const $ = (id) => document.getElementById(id);
    const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r)));
    const until = async (test) => { while (!test()) await new Promise((r) => setTimeout(r, 1)); };
    const enter = (el) => el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    const sales = [];
    const nexts = [];
    for (const sku of skus) {
      const t0 = performance.now();
      $('search').value = sku;
      enter($('search'));
      await until(() => $('cart-lines').querySelector('tbody tr'));
      enter($('search'));  // an empty search: to payment
      $('given').value = '1000';
      $('given').dispatchEvent(new Event('input', { bubbles: true }));
      $('cart').requestSubmit();
      await until(() => !$('view-receipt').hidden);
      await frame();
      sales.push(performance.now() - t0);
      const t1 = performance.now();
      $('new-sale').click();
      $('search').value = sku;
      enter($('search'));
      await until(() => $('cart-lines').querySelector('tbody tr') && document.activeElement === $('search'));
      await frame();
      nexts.push(performance.now() - t1);
      for (const b of document.querySelectorAll('[data-remove]')) b.click();
    }
    return { sales, nexts };
  }, skus);
  figures.saleP95Ms = p95(sale.sales);
  figures.saleP50Ms = median(sale.sales);
  figures.nextSaleMs = p95(sale.nexts);
  log(`sales: p50 ${figures.saleP50Ms.toFixed(1)} ms, p95 ${figures.saleP95Ms.toFixed(1)} ms; next sale scanned p95 ${figures.nextSaleMs.toFixed(1)} ms`);

  // Search as you type: each keystroke until the grid is drawn again.
  const query = shop.products[1].name.split(' ').slice(0, 3).join(' ').toLowerCase();
  const keys = await page.evaluate(async (query) => {
    const $ = (id) => document.getElementById(id);
    const out = [];
    for (let i = 1; i <= query.length; i++) {
      const drawn = new Promise((r) => new MutationObserver((_, o) => { o.disconnect(); r(); }).observe($('grid'), { childList: true }));
      const t0 = performance.now();
      $('search').value = query.slice(0, i);
      $('search').dispatchEvent(new Event('input', { bubbles: true }));
      await drawn;
      out.push(performance.now() - t0);
    }
    $('search').value = '';
    $('search').dispatchEvent(new Event('input', { bubbles: true }));
    return { out, shown: $('grid').querySelectorAll('[data-tile]').length };
  }, query);
  figures.keystrokeP95Ms = p95(keys.out);
  figures.keystrokeMaxMs = Math.max(...keys.out);
  log(`search "${query}": p95 ${figures.keystrokeP95Ms.toFixed(1)} ms a keystroke`);

  // Memory with everything in (before Dexie's page opens): the module's WebAssembly memory and
  // the page's JS heap (live objects: garbage is collected first).
  const memory = await page.evaluate(() => {
    window.gc?.();
    return { wasm: window.till.shop.stats().heapBytes, js: performance.memory?.usedJSHeapSize ?? 0 };
  });
  figures.wasmMiB = memory.wasm / 2 ** 20;
  figures.jsMiB = memory.js / 2 ** 20;
  figures.memoryMiB = figures.wasmMiB + figures.jsMiB;
  log(`memory: WebAssembly ${figures.wasmMiB.toFixed(1)} MiB + JS heap ${figures.jsMiB.toFixed(1)} MiB`);

  // Side by side with Dexie 4: the same three reads, each a page with its stock.
  const reads = async (p, engine) => p.evaluate(async ({ engine, last, category, query, n }) => {
    const shop = engine === 'edgecart' ? window.till.shop : null;
    const dexie = engine === 'dexie' ? window.bench : null;
    // Each sample is 10 reads in a row (the page's clock ticks in 0.1 ms); the median sample / 10.
    const time = async (fn) => {
      const ms = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        for (let k = 0; k < 10; k++) await fn();
        ms.push((performance.now() - t0) / 10);
      }
      return ms.sort((a, b) => a - b)[Math.floor(n / 2)];
    };
    const check = (items, what) => { if (items.length === 0) throw new Error(`${engine}: ${what} found nothing`); };
    return {
      barcode: await time(async () => check(shop ? (await shop.products.listWithStock({ sku: last.sku, limit: 1 })).items : await dexie.barcode(last.sku), 'barcode')),
      category: await time(async () => check(shop ? (await shop.products.listWithStock({ categoryCode: category, limit: 48 })).items : await dexie.categoryPage(category, 48), 'category')),
      search: await time(async () => check(shop ? (await shop.products.listWithStock({ q: query, limit: 48 })).items : await dexie.search(query, 48), 'search')),
    };
  }, { engine, last, category: last.categoryCode, query, n: params.reads });
  figures.edgecart = await reads(page, 'edgecart');
  const dexiePage = await context.newPage();
  await dexiePage.goto(`${files.url}/scripts/shop/dexie.html`);
  await dexiePage.waitForFunction(() => window.ready === true);
  t0 = performance.now();
  await dexiePage.evaluate(async (products) => {
    window.bench = window.dexieShop('bench-shop');
    await window.bench.load(products);
  }, shop.products);
  log(`Dexie loaded in ${(performance.now() - t0).toFixed(0)} ms`);
  figures.dexie = await reads(dexiePage, 'dexie');
  await dexiePage.close();
  log(`reads (median ms) EdgeCart ${JSON.stringify(figures.edgecart)} Dexie ${JSON.stringify(figures.dexie)}`);

  // The reopened till.
  await page.close();
  page = await context.newPage();
  await page.goto(`${server.url}/till/?till=bench-1`);
  figures.reopenReadyMs = await sinceNavigation(page, () => document.body.dataset.ready === 'true');
  figures.reopenSellAnyMs = await sinceNavigation(page, sellable, last.sku);
  // Where the reopen went: the module, the IndexedDB load and the log open (the rest is the page,
  // the app's first reads and its first paint).
  figures.reopenParts = await page.evaluate(() => window.till.shop.stats()?.openMs ?? null);
  log(`reopened till: ready ${figures.reopenReadyMs.toFixed(0)} ms, the last barcode sellable at ${figures.reopenSellAnyMs.toFixed(0)} ms; ` +
      `open: ${JSON.stringify(figures.reopenParts)}`);
  await page.close();
  await context.close();
  context = null;

  // The storefront, first visit (an empty profile).
  const storeProfile = mkdtempSync(join(tmpdir(), 'edgecart-shop-store-'));
  profiles.push(storeProfile);
  context = await chromium.launchPersistentContext(storeProfile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  page = await context.newPage();
  await page.goto(`${server.url}/store/`);
  figures.storeFirstCardMs = await sinceNavigation(page, () => document.querySelector('.card.product') !== null);
  figures.storeCards = await page.evaluate(() => document.querySelectorAll('.card.product').length);
  log(`storefront: the first card ${figures.storeFirstCardMs.toFixed(0)} ms after navigation (${figures.storeCards} cards on the page)`);
  await context.close();
  context = null;
  if (problems.length) throw new Error(`page errors: ${problems.join('; ')}`);
} finally {
  await context?.close();
  await server.stop();
  await files.close();
  for (const p of profiles) rmSync(p, { recursive: true, force: true });
}

const chromiumVersion = (() => {
  try {
    return execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
const f = figures;
const n = (x, d = 0) => Number(x).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const mark = (ok) => (ok ? 'met' : '**not met**');
const ratio = (k) => f.edgecart[k] / f.dexie[k];
const rowsOf = [
  ['Import: products with stock, CSV over HTTP', `${n(f.importMs)} ms`, `≤ ${n(GOALS.importMs)} ms`, f.importMs <= GOALS.importMs],
  ['Server pull, a till\'s whole tenant', `${n(f.serverRowsPerS)} rows/s (${n(f.tenantRows)} rows)`, `≥ ${n(GOALS.serverRowsPerS)} rows/s`, f.serverRowsPerS >= GOALS.serverRowsPerS],
  ['Client apply (each page one local commit, saved to IndexedDB)', `${n(f.clientRowsPerS)} rows/s`, `≥ ${n(GOALS.clientRowsPerS)} rows/s`, f.clientRowsPerS >= GOALS.clientRowsPerS],
  ['New till: first screen from navigation', `${n(f.newTillReadyMs)} ms`, '', true],
  ['New till: every product sellable by barcode', `${n(f.newTillSellAnyMs)} ms`, `≤ ${n(GOALS.newTillMs)} ms`, f.newTillSellAnyMs <= GOALS.newTillMs],
  ['Reopened till: ready / last barcode found', `${n(f.reopenReadyMs)} / ${n(f.reopenSellAnyMs)} ms`, `≤ ${n(GOALS.reopenMs)} ms`, f.reopenSellAnyMs <= GOALS.reopenMs],
  ['Reopened till, its open: module / IndexedDB load / log open', f.reopenParts
    ? `${n(f.reopenParts.module)} / ${n(f.reopenParts.load)} / ${n(f.reopenParts.open)} ms` : 'n/a', '', null],
  ['A sale by barcode to the receipt, p50 / p95', `${n(f.saleP50Ms, 1)} / ${n(f.saleP95Ms, 1)} ms`, `p95 ≤ ${GOALS.saleP95Ms} ms`, f.saleP95Ms <= GOALS.saleP95Ms],
  ['Next sale: New sale until the next scan is in the cart, p95', `${n(f.nextSaleMs, 1)} ms`, `≤ ${GOALS.nextSaleMs} ms`, f.nextSaleMs <= GOALS.nextSaleMs],
  ['Search as you type, a keystroke to the grid drawn, p95 / max', `${n(f.keystrokeP95Ms, 1)} / ${n(f.keystrokeMaxMs, 1)} ms`, `≤ ${GOALS.keystrokeMs} ms`, f.keystrokeMaxMs <= GOALS.keystrokeMs],
  ['Till memory: WebAssembly + JS heap', `${n(f.wasmMiB, 1)} + ${n(f.jsMiB, 1)} = ${n(f.memoryMiB, 1)} MiB (${n(f.memoryMiB * 2 ** 20 / 1e6, 1)} MB)`, `≤ ${GOALS.memoryMB} MB`, f.memoryMiB * 2 ** 20 <= GOALS.memoryMB * 1e6],
  ['Barcode look-up with stock: EdgeCart / Dexie 4 (median)', `${n(f.edgecart.barcode, 2)} / ${n(f.dexie.barcode, 2)} ms (${ratio('barcode').toFixed(2)}×)`, `≤ ${GOALS.vsDexie}×`, ratio('barcode') <= GOALS.vsDexie],
  ['Category page of 48 with stock: EdgeCart / Dexie 4', `${n(f.edgecart.category, 2)} / ${n(f.dexie.category, 2)} ms (${ratio('category').toFixed(2)}×)`, `≤ ${GOALS.vsDexie}×`, ratio('category') <= GOALS.vsDexie],
  ['Name search, 48 with stock: EdgeCart / Dexie 4', `${n(f.edgecart.search, 2)} / ${n(f.dexie.search, 2)} ms (${ratio('search').toFixed(2)}×)`, `≤ ${GOALS.vsDexie}×`, ratio('search') <= GOALS.vsDexie],
  ['Storefront first visit: the first product card', `${n(f.storeFirstCardMs)} ms (${f.storeCards} cards)`, `≤ ${n(GOALS.storeFirstCardMs)} ms`, f.storeFirstCardMs <= GOALS.storeFirstCardMs],
];
const report = {
  command: `npm --prefix web run bench:shop --${smoke ? ' --smoke' : ''} --products ${params.products} --days ${params.days} --per-day ${params.perDay} --sales ${params.sales} --reads ${params.reads}`,
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, chromium: chromiumVersion, node: process.version },
  params, goals: GOALS, figures,
  wasmBytes: readFileSync(join(web, 'dist', 'edgecart.wasm')).length,
};
const table = `A shop of ${n(params.products)} products in 40 categories with a month of sales (${n(params.days * params.perDay)} orders from ${params.tills} tills): ${n(f.tenantRows)} rows a till pulls.

| measure | figure | goal | |
|---|---|---|---|
${rowsOf.map(([what, figure, goal, ok]) => `| ${what} | ${figure} | ${goal} | ${goal ? mark(ok) : ''} |`).join('\n')}

Command: \`${report.command}\` — ${report.date.slice(0, 10)}, ${report.machine.cpu} (${report.machine.cores} cores), ${chromiumVersion}, Node ${process.version}.`;
console.log(table);
console.log(JSON.stringify(report));
if (process.argv.includes('--write')) {
  writeFileSync(join(web, '..', 'docs', 'bench-shop.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(web, '..', 'docs', 'bench-shop.md'), `# Shop-size benchmark: the last run\n\nWritten by \`npm --prefix web run bench:shop -- --write\` (what it measures: docs/benchmarks.md).\n\n${table}\n`);
}
