// npm run bench:reopen [-- --products 20000 --reopens 5]
// The reopened till, reopen after reopen, with where each one's time went: a shop of --products
// products with stock (scripts/shop-data.mjs) imported into edgecart-server on SQLite, a till
// (the built dist/site) in headless Chromium that pulls it whole, then --reopens times: close
// the page, open a new one on the same profile, and wait until the till says it is ready. Each
// reopen prints, in ms from navigation: ready, DOMContentLoaded, when the store's IndexedDB
// database was opened, when the .wasm was fetched (start-end, from the page's resource timing),
// and the shop's own split of its open (stats().openMs: module, IndexedDB load, log open).
// To compare two builds, run it on each, alternating (each run is a new profile and a new pull,
// so its log since the snapshot differs): docs/benchmarks.md, the eleventh stop of issue 27.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS } from '../test/chromium.js';
import { startServer, token } from '../test/server.js';
import { arg } from './bench-args.mjs';
import { generateShop, toCsv } from './shop-data.mjs';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const products = arg('products', 20000);
const reopens = arg('reopens', 5);
const log = (text) => console.error(`bench:reopen: ${text}`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const shop = generateShop({ products, days: 1, salesPerDay: 10, tills: 4 });
const last = shop.products[shop.products.length - 1];
const server = await startServer({ args: ['--dev', '--pages', join(web, 'dist', 'site'), '--dist', join(web, 'dist')] });
const profile = mkdtempSync(join(tmpdir(), 'edgecart-reopen-'));
let context = null;
try {
  const admin = token(server.secret, 'demo', 'bench-admin', ['admin']);
  for (let i = 0; i < shop.products.length; i += 10000) {
    const r = await fetch(`${server.url}/products/import`, {
      method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/csv' },
      body: toCsv(shop.products.slice(i, i + 10000)),
    });
    if (r.status !== 200) throw new Error(`import: ${r.status} ${await r.text()}`);
  }
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, viewport: { width: 1200, height: 900 },
  });
  // In every page: the times of DOMContentLoaded, of the store's IndexedDB open and of ready.
  await context.addInitScript(() => {
    window.reopenMarks = {};
    const mark = (what) => { window.reopenMarks[what] ??= performance.now(); };
    const open = indexedDB.open.bind(indexedDB);
    indexedDB.open = (name, ...rest) => {
      if (String(name).startsWith('/edgecart/')) mark('idbOpen');
      return open(name, ...rest);
    };
    document.addEventListener('DOMContentLoaded', () => {
      mark('domContentLoaded');
      new MutationObserver(() => { if (document.body.dataset.ready === 'true') mark('ready'); })
        .observe(document.body, { attributes: true });
    });
  });
  let page = await context.newPage();
  await page.goto(`${server.url}/till/?till=bench-1`);
  await page.waitForFunction((sku) => window.till?.ready &&
    window.till.shop.products.listWithStock({ sku, limit: 1 }).then((p) => p.items.length === 1),
  last.sku, { timeout: 300_000, polling: 200 });
  log(`a new till pulled ${products} products`);
  const figures = [];
  for (let i = 0; i < reopens; i++) {
    await page.close();
    page = await context.newPage();
    await page.goto(`${server.url}/till/?till=bench-1`);
    await page.waitForFunction(() => window.reopenMarks.ready !== undefined, null, { timeout: 60_000, polling: 10 });
    const f = await page.evaluate(() => {
      const wasm = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/edgecart.wasm'));
      return { ...window.reopenMarks, wasm: wasm ? [wasm.startTime, wasm.responseEnd] : null,
               openMs: window.till.shop.stats()?.openMs ?? null };
    });
    figures.push(f);
    const ms = (x) => (x === undefined ? '-' : x.toFixed(0));
    log(`reopen ${i + 1}: ready ${ms(f.ready)} | DOMContentLoaded ${ms(f.domContentLoaded)} | IndexedDB open ${ms(f.idbOpen)} | ` +
        `.wasm ${f.wasm ? `${ms(f.wasm[0])}-${ms(f.wasm[1])}` : '-'} | open: module ${ms(f.openMs?.module)}, ` +
        `load ${ms(f.openMs?.load)}, log open ${ms(f.openMs?.open)}`);
  }
  const of = (pick) => median(figures.map(pick)).toFixed(0);
  console.log(`reopened ${reopens} times, medians: ready ${of((f) => f.ready)} ms; open: module ${of((f) => f.openMs.module)}, ` +
              `load ${of((f) => f.openMs.load)}, log open ${of((f) => f.openMs.open)} ms`);
} finally {
  await context?.close();
  await server.stop();
  rmSync(profile, { recursive: true, force: true });
}
