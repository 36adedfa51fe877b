// The till and the landing page (web/apps, built into dist/site) in Debian's Chromium against a
// real edgecart-server (app-browser.js); the storefront's pages are in store.test.js. Every page
// is checked for preload hints, with axe-core, at 375 px, and for console errors; screenshots go
// to build/screenshots/.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import {
  browser, check, offline, pending, shots, startApps, stopApps, text, until,
} from './app-browser.js';
import { token } from './server.js';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
// A copy of the built site, so the update test can publish a "new build" of it.
const site = mkdtempSync(join(tmpdir(), 'edgecart-site-'));
cpSync(join(web, 'dist', 'site'), site, { recursive: true });

let server;
let proxy;
let url;

before(async () => {
  ({ server, proxy, url } = await startApps(site));
});
after(async () => {
  await stopApps();
  rmSync(site, { recursive: true, force: true });
});

// One cash sale of two products, with the keyboard only: returns the receipt's code and the ms
// from "Complete sale" to the receipt on screen.
async function keyboardSale(page) {
  assert.equal(await page.evaluate(() => document.activeElement.id), 'search', 'the search has the focus');
  for (const key of ['Mouse', 'Enter', 'Notebook', 'Enter', 'Enter', '100']) {
    if (key === 'Enter') await page.keyboard.press('Enter');
    else await page.keyboard.type(key);
  }
  await until(page, () => /Change due: USD 59\.86/.test(document.getElementById('change').textContent), 'the change due');
  await page.screenshot({ path: join(shots, 'till-sale.png') });
  await page.keyboard.press('Enter');
  await until(page, () => !document.getElementById('view-receipt').hidden && window.till.lastSaleMs !== null, 'the receipt is shown');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'new-sale');
  return { code: await text(page, '#receipt-code'), ms: await page.evaluate(() => window.till.lastSaleMs) };
}

test('a till sells offline with the keyboard, reloads offline from its cache, and syncs the sale under the same code', async () => {
  const b = await browser();
  const page = await b.page('/till/?till=till-a');
  await until(page, () => document.getElementById('sync-pending').textContent === 'All synced', 'the first sync');
  await check(page, 'till');
  // The service worker holds the shell before the network goes.
  await until(page, async () => (await navigator.serviceWorker.ready).active !== null &&
    navigator.serviceWorker.controller !== null, 'the service worker controls the page');

  await offline(b, true);
  await until(page, () => document.getElementById('sync-online').textContent === 'Offline', 'the bar says offline');
  const sale = await keyboardSale(page);
  assert.match(sale.code, /^ORD-\d{6}$/, 'a leased code, final');
  const receipt = await text(page, '#receipt');
  assert.match(receipt, /Wireless Mouse[\s\S]*A5 Notebook/);
  assert.match(receipt, /Subtotal\s*USD 36\.49\s*Tax 10 % on USD 36\.49\s*USD 3\.65\s*Total\s*USD 40\.14\s*Cash given\s*USD 100\.00\s*Change\s*USD 59\.86/);
  assert.match(receipt, /till-a/);
  console.log(`# complete sale -> receipt on screen, offline: ${sale.ms.toFixed(1)} ms`);
  await check(page, 'till-receipt');
  // Printed, the receipt is all there is on the page.
  await page.emulateMedia({ media: 'print' });
  assert.deepEqual(await page.evaluate(() => ['header.top', 'nav.tabs', '#view-receipt > .row'].map((s) => getComputedStyle(document.querySelector(s)).display)),
                   ['none', 'none', 'none']);
  assert.ok(await page.isVisible('#receipt'));
  await page.screenshot({ path: join(shots, 'till-receipt-print.png') });
  await page.emulateMedia({ media: 'screen' });
  await until(page, () => document.getElementById('sync-pending').dataset.pending === '1', 'pending 1 on the bar');
  assert.equal(await text(page, '#sync-pending'), '1 pending');
  assert.match(await text(page, '#sync-age'), /^oldest (just now|\d+ s ago)$/);

  // A reload with no network: the page, its scripts and the .wasm come from the cache; the sale
  // is still in the outbox.
  await page.reload();
  await until(page, () => document.body.dataset.ready === 'true', 'the till opened offline');
  assert.equal(await pending(page), 1);
  await page.click('a[data-view=orders]');
  await until(page, (code) => document.getElementById('orders').textContent.includes(code), 'the sale is listed', sale.code);

  await offline(b, false);
  await page.click('#sync-now');
  await until(page, () => document.getElementById('sync-pending').textContent === 'All synced', 'pending 0');
  const onServer = (await server.call('demo', 'GET', `/orders/${sale.code}`)).body;
  assert.equal(onServer.code, sale.code);
  assert.equal(onServer.attributes.total, 40.14);
  assert.equal(onServer.attributes.paymentMethod, 'cash');
  assert.deepEqual(b.problems, []);
});

test('two tills sell the last unit offline: the loser sees the stock alert in its Problems panel', async () => {
  await server.call('demo', 'PATCH', '/inventory/PRD-011', { quantity: 1 });
  const tills = [];
  for (const name of ['till-b', 'till-c']) {
    const b = await browser();
    const page = await b.page(`/till/?till=${name}`);
    await until(page, () => /Desk Lamp[\s\S]*1 available/.test(document.getElementById('grid').textContent), 'the last lamp is shown');
    tills.push({ b, page });
  }
  const codes = [];
  for (const { b, page } of tills) {
    await offline(b, true);
    await page.fill('#search', 'lamp');
    await page.click('[data-add=PRD-011]');
    await page.check('input[name=pay][value=card]');
    await page.click('#complete');
    await until(page, () => !document.getElementById('view-receipt').hidden, 'the receipt');
    codes.push(await text(page, '#receipt-code'));
    proxy.setDown(false);  // the other till is still offline; this one stays too
  }
  for (const { b } of tills) await b.context.setOffline(false);
  for (const { page } of tills) await until(page, () => document.getElementById('sync-pending').textContent === 'All synced', 'synced');
  const orders = await Promise.all(codes.map(async (c) => (await server.call('demo', 'GET', `/orders/${c}`)).body));
  const lost = orders.filter((o) => o.reservation.state === 'none');
  assert.equal(lost.length, 1, 'one order holds the lamp, the other could not reserve it');
  const loser = tills[codes.indexOf(lost[0].code)].page;
  await loser.click('a[data-view=problems]');
  await until(loser, (code) => document.getElementById('alerts').textContent.includes(code), 'the alert in the panel', lost[0].code);
  assert.match(await text(loser, '#alerts'), /inventory_reservation_failed[\s\S]*Insufficient inventory/);
  assert.equal(await loser.textContent('#problem-count'), '1');
  await check(loser, 'till-problems');
  const winner = tills[1 - codes.indexOf(lost[0].code)].page;
  await winner.click('a[data-view=problems]');
  assert.match(await text(winner, '#alerts'), /No stock alerts/);
  for (const { b } of tills) assert.deepEqual(b.problems, []);
});

test('a conflicting stock count is shown in the panel and resolved from it', async () => {
  const b = await browser();
  const page = await b.page('/till/?till=till-d');
  await until(page, async () => (await window.till.shop.syncStatus()).lastSyncAt !== null, 'the first sync');
  await page.click('a[data-view=stock]');
  await check(page, 'till-stock');
  await offline(b, true);
  // Offline, the manager counts 10 hubs; meanwhile the server's stock changes.
  await page.fill('form[data-set=PRD-003] input', '10');
  await page.click('form[data-set=PRD-003] button');
  await until(page, () => document.getElementById('sync-pending').dataset.pending === '1', 'pending 1');
  await server.call('demo', 'PATCH', '/inventory/PRD-003', { quantityDelta: 5 });
  await offline(b, false);
  await page.click('#sync-now');
  await page.click('a[data-view=problems]');
  await until(page, () => document.querySelector('#conflicts [data-resolve=retry]') !== null, 'the conflict in the panel');
  const shown = await text(page, '#conflicts');
  assert.match(shown, /conflict/);
  assert.match(shown, /PATCH \/inventory\/PRD-003/);
  assert.match(shown, /On the server now \(version \d+\): quantity 30/);
  await page.click('#conflicts [data-resolve=retry]');
  await until(page, () => /None: the server accepted every command/.test(document.getElementById('conflicts').textContent), 'resolved');
  await until(page, () => document.getElementById('sync-pending').textContent === 'All synced', 'synced');
  assert.equal((await server.call('demo', 'GET', '/inventory/PRD-003')).body.attributes.quantity, 10, "the count, on the server's version");
  assert.deepEqual(b.problems, []);
});

test('orders: newest first in pages of 20, filtered by status, each transition a named action, cancel confirmed first', async () => {
  const b = await browser();
  const page = await b.page('/till/?till=till-e');
  await page.evaluate(async () => {
    for (let i = 0; i < 22; i++) {
      await window.till.shop.orders.create({ customerId: `c${i}`, items: [{ productCode: 'PRD-009', name: 'A5 Notebook', quantity: 1, price: 6.5 }],
                                              shippingAddress: { street: 'x st', city: 'Tokyo', postalCode: '100-0001', country: 'JP' }, paymentMethod: 'cash' });
    }
  });
  await page.click('a[data-view=orders]');
  await until(page, () => document.querySelectorAll('#orders tbody tr').length === 20, 'a page of 20');
  const first = await page.$$eval('#orders tbody tr', (rows) => rows.map((r) => r.dataset.order));
  assert.deepEqual(first, [...first].sort().reverse(), 'newest first');
  await page.click('#older');
  await until(page, () => document.getElementById('page-no').textContent === 'Page 2', 'page 2');
  const second = await page.$$eval('#orders tbody tr', (rows) => rows.map((r) => r.dataset.order));
  assert.ok(second.length >= 2 && second.every((c) => c < first.at(-1)), 'older orders on page 2');
  await page.click('#newer');
  const code = first[0];
  await until(page, (c) => document.querySelector(`tr[data-order="${c}"] button[data-to=confirmed]`) !== null, 'the actions', code);
  assert.deepEqual(await page.$$eval(`tr[data-order="${code}"] button[data-to]`, (bs) => bs.map((x) => x.textContent)), ['Confirm', 'Cancel']);
  await page.click(`tr[data-order="${code}"] button[data-to=confirmed]`);
  await until(page, (c) => document.querySelector(`tr[data-order="${c}"] button[data-to=processing]`) !== null, 'confirmed', code);
  assert.deepEqual(await page.$$eval(`tr[data-order="${code}"] button[data-to]`, (bs) => bs.map((x) => x.textContent)), ['Start processing', 'Cancel']);
  // Cancel asks first; "Keep it" changes nothing, "Cancel order" cancels.
  await page.click(`tr[data-order="${code}"] button[data-to=cancelled]`);
  await page.click('dialog.ask button[value=no]');
  assert.equal((await page.evaluate((c) => window.till.shop.orders.get(c), code)).attributes.status, 'confirmed');
  await page.click(`tr[data-order="${code}"] button[data-to=cancelled]`);
  await check(page, 'till-cancel-dialog');
  await page.click('dialog.ask button[value=yes]');
  await until(page, async (c) => (await window.till.shop.orders.get(c)).attributes.status === 'cancelled', 'cancelled', code);
  await page.selectOption('#order-status', 'cancelled');
  await until(page, (c) => [...document.querySelectorAll('#orders tbody tr')].map((r) => r.dataset.order).join() === c, 'only the cancelled one', code);
  await check(page, 'till-orders');
  assert.deepEqual(b.problems, []);
});

test('a scanned barcode adds exactly its product, and a stock change patches its tile without reading the catalogue again', async () => {
  const b = await browser();
  const page = await b.page('/till/?till=till-s');
  await until(page, () => document.getElementById('sync-pending').textContent === 'All synced', 'the first sync');
  await until(page, () => document.querySelector('[data-tile=PRD-004]') !== null, 'the grid shows the stand');
  // Every page read from here on is counted.
  await page.evaluate(() => {
    window.pageReads = 0;
    const products = window.till.shop.products;
    for (const name of ['list', 'listWithStock']) {
      const read = products[name];
      products[name] = (...a) => { window.pageReads++; return read(...a); };
    }
  });
  const lines = () => page.$$eval('#cart-lines tbody tr', (rows) => rows.map((r) => r.querySelector('td').firstChild.textContent.trim()));
  // A scanner: the barcode and Enter at once, twice; then a code; then a barcode's prefix.
  await page.focus('#search');
  await page.keyboard.type('LMP-011\n');
  await page.keyboard.type('LMP-011\n');
  await page.keyboard.type('PRD-009\n');
  await until(page, () => document.querySelectorAll('#cart-lines tbody tr').length === 2, 'two lines in the cart');
  assert.deepEqual(await lines(), ['Desk Lamp', 'A5 Notebook']);
  assert.equal(await page.inputValue('[data-qty=PRD-011]'), '2');
  await page.keyboard.type('LMP-01\n');
  await until(page, () => /No product matches LMP-01/.test(document.getElementById('sale-error').textContent), 'a prefix matches nothing');
  assert.deepEqual(await lines(), ['Desk Lamp', 'A5 Notebook']);
  // Another device restocks the stand: its tile changes, and no page of products is read again.
  await page.fill('#search', '');
  await until(page, () => document.querySelector('[data-tile=PRD-004]') !== null, 'the whole grid again');
  await page.evaluate(() => { window.pageReads = 0; });
  const stand = await server.call('demo', 'PATCH', '/inventory/PRD-004', { quantity: 77 });
  assert.equal(stand.status, 200);
  await until(page, () => /77 available/.test(document.querySelector('[data-tile=PRD-004]').textContent), 'the stand shows 77');
  // Nothing is read later either (the till would read a page again 200 ms after a change of a
  // product it does not show): a second of nothing.
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(await page.evaluate(() => window.pageReads), 0);
  assert.deepEqual(b.problems, []);
});

test('staff create a product and restock it; a second tab follows the first and sells through it', async () => {
  const b = await browser();
  const page = await b.page('/till/?till=till-f');
  await page.click('a[data-view=stock]');
  await page.fill('#new-product [name=code]', 'PRD-013');
  await page.fill('#new-product [name=name]', 'Webcam');
  await page.fill('#new-product [name=categoryCode]', 'ACC');
  await page.fill('#new-product [name=sku]', 'CAM-013');
  await page.fill('#new-product [name=price]', '49.90');
  await page.fill('#new-product [name=quantity]', '4');
  await page.click('#new-product button[type=submit]');
  await until(page, () => /Webcam[\s\S]*4/.test(document.getElementById('stock').textContent), 'the new product in the table');
  await page.fill('form[data-restock=PRD-013] input', '6');
  await page.click('form[data-restock=PRD-013] button');
  await until(page, async () => (await window.till.shop.inventory.get('PRD-013')).attributes.quantity === 10, 'restocked');
  await page.fill('#new-product [name=price]', 'abc');
  await page.click('#new-product button[type=submit]');
  assert.match(await text(page, '#product-error'), /Price must be an amount/);

  // A cashier's till sells but has no stock screens, and the stock screen's address shows why
  // instead of the new-product form.
  const cashier = await b.page('/till/?till=till-i&role=cashier');
  assert.equal(await cashier.isHidden('a[data-view=stock]'), true);
  await cashier.evaluate(() => { location.hash = '#stock'; });
  await until(cashier, () => /need a manager's sign-in/.test(document.getElementById('stock').textContent), 'the stock screen refused');
  assert.equal(await cashier.isHidden('#new-product'), true);
  await cashier.close();

  const second = await b.page('/till/?till=till-f');
  await until(second, () => !document.getElementById('follower').hidden, 'the second tab says it follows');
  assert.match(await text(second, '#follower'), /open in another tab[\s\S]*follows it/);
  assert.equal(await page.isHidden('#follower'), true, 'the first tab owns the till');
  await second.fill('#search', 'webcam');
  await second.press('#search', 'Enter');
  await second.check('input[name=pay][value=card]');
  await second.click('#complete');
  await until(second, () => !document.getElementById('view-receipt').hidden, 'the receipt in the follower');
  await page.click('a[data-view=sell]');
  await until(page, () => /Webcam[\s\S]*9 available/.test(document.getElementById('grid').textContent), 'the first tab sees the sale');
  await until(page, () => document.getElementById('sync-pending').textContent === 'All synced', 'synced');
  assert.equal((await server.call('demo', 'GET', '/inventory/PRD-013')).body.attributes.reservedQuantity, 1);
  assert.deepEqual(b.problems, []);
});

test('a new build takes over only when the app says so, and the outbox survives the update', async () => {
  const b = await browser();
  const page = await b.page('/till/?till=till-g');
  await until(page, async () => navigator.serviceWorker.controller !== null, 'controlled');
  // A first start is ready before its first pull ends: the catalogue must be here before sync is cut.
  await until(page, async () => (await window.till.shop.syncStatus()).lastSyncAt !== null, 'the first sync');
  const before = await page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('edgecart-shell-')));
  // The server is unreachable for sync only: the sale waits in the outbox.
  proxy.block = (req) => req.url.startsWith('/sync/');
  try {
    await page.fill('#search', 'pens');
    await page.press('#search', 'Enter');
    await page.check('input[name=pay][value=card]');
    await page.click('#complete');
    await until(page, () => !document.getElementById('view-receipt').hidden, 'the receipt');
    const code = await text(page, '#receipt-code');
    assert.equal(await pending(page), 1);
    // Publish a new build: a changed service worker (its build id).
    const sw = join(site, 'sw.js');
    writeFileSync(sw, readFileSync(sw, 'utf8').replace(/const BUILD = '([0-9a-f]+)'/, "const BUILD = '$1next'"));
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
    await until(page, () => !document.getElementById('update').hidden, 'the update is offered');
    // Until the user says so, the running build stays: the new worker waits, the old cache stays.
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).waiting !== null), 'the new build waits');
    assert.deepEqual(await page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('edgecart-shell-') && !k.endsWith('next'))), before,
                     'the running build keeps its cache');
    await page.evaluate(() => { window.beforeUpdate = true; });
    await page.click('#update-now');
    await until(page, () => window.beforeUpdate === undefined && document.body.dataset.ready === 'true' &&
      navigator.serviceWorker.controller !== null, 'the new build opened');
    const now = await page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('edgecart-shell-')));
    assert.equal(now.length, 1, 'the old cache is gone');
    assert.notDeepEqual(now, before);
    assert.match(now[0], /next$/);
    assert.equal(await pending(page), 1, 'the outbox survived the update');
    proxy.block = () => false;
    await page.click('#sync-now');
    await until(page, () => document.getElementById('sync-pending').textContent === 'All synced', 'synced');
    assert.equal((await server.call('demo', 'GET', `/orders/${code}`)).status, 200);
  } finally {
    proxy.block = () => false;
  }
  assert.deepEqual(b.problems, []);
});

test('a cashier discounts within the shop\'s limit and takes card and cash; the receipt shows the discount, the header, the tax of each rate and the tenders, as the server has them', async () => {
  // The shop taxes stationery at a reduced 8 % and prints a header (restored after the test).
  const before = (await server.call('demo', 'GET', '/settings')).body;
  const patched = await server.call('demo', 'PATCH', '/settings', { taxClasses: { standard: 10, reduced: 8 }, categoryTaxClasses: { OFF: 'reduced' },
                                                                      receiptHeader: 'EdgeCart Demo\nShibuya', version: before.version });
  assert.equal(patched.status, 200);
  try {
    const b = await browser();
    const page = await b.page('/till/?till=till-j&role=cashier');
    await until(page, async () => (await window.till.shop.settings.get()).attributes.receiptHeader === 'EdgeCart Demo\nShibuya', 'the settings synced');
    for (const q of ['Mouse', 'Notebook']) {
      await page.fill('#search', q);
      await page.press('#search', 'Enter');
    }
    await until(page, () => /Tax 8 %[\s\S]*Tax 10 %/.test(document.getElementById('cart-totals').textContent), 'the tax of each rate');
    // Over the cashier's limit: the core's refusal is shown, and the sale cannot complete.
    await page.click('#discount-box summary');
    await page.fill('#discount-percent', '15');
    await page.fill('#discount-reason', 'regular customer');
    await until(page, () => /a cashier may give at most 10 % of the subtotal/.test(document.getElementById('cart-totals').textContent), 'the limit');
    assert.equal(await page.locator('#complete').isDisabled(), true);
    await page.fill('#discount-percent', '10');
    // By hand: 10 % of 36.49 is 3.649 -> 3.65, split 3.00 / 0.65 over 29.99 at 10 % and 6.50 at 8 %:
    // 8 % of 5.85 = 0.468 -> 0.47, 10 % of 26.99 = 2.699 -> 2.70; 36.49 - 3.65 + 3.17 = 36.01.
    await until(page, () => /Total\s*USD 36\.01/.test(document.getElementById('cart-totals').textContent), 'the discounted total');
    assert.match(await text(page, '#cart-totals'), /Subtotal\s*USD 36\.49\s*Discount 10 % \(regular customer\)\s*−USD 3\.65\s*Tax 8 % on USD 5\.85\s*USD 0\.47\s*Tax 10 % on USD 26\.99\s*USD 2\.70/);
    await page.check('input[name=pay][value=card]');
    await page.click('#complete');
    await until(page, () => !document.getElementById('view-receipt').hidden, 'the receipt');
    const receipt = await text(page, '#receipt');
    assert.match(receipt, /^\s*EdgeCart Demo\s*Shibuya\s*Receipt/);
    assert.match(receipt, /Wireless Mouse \(10 %\)[\s\S]*A5 Notebook \(8 %\)/);
    assert.match(receipt, /Discount 10 % \(regular customer\)\s*−USD 3\.65\s*Tax 8 % on USD 5\.85\s*USD 0\.47\s*Tax 10 % on USD 26\.99\s*USD 2\.70\s*Total\s*USD 36\.01/);
    await check(page, 'till-receipt-discount');
    const code = await text(page, '#receipt-code');
    await page.click('#sync-now');
    await until(page, () => document.getElementById('sync-pending').textContent === 'All synced', 'synced');
    const order = (await server.call('demo', 'GET', `/orders/${code}`)).body.attributes;
    assert.deepEqual([order.subtotal, order.discountTotal, order.taxes, order.tax, order.total],
                     [36.49, 3.65, [{ rate: 8, base: 5.85, tax: 0.47 }, { rate: 10, base: 26.99, tax: 2.7 }], 3.17, 36.01]);
    assert.deepEqual([order.payments, order.paymentMethod], [[{ method: 'card', amount: 36.01 }], 'card']);
    // A split sale: 20.00 by card and 20.00 in cash for 32.99 (29.99 + 10 %): the core gives 7.01 back.
    await page.click('#new-sale');
    await page.fill('#search', 'Mouse');
    await page.press('#search', 'Enter');
    await page.check('input[name=pay][value=split]');
    await page.fill('#card-amount', '20');
    await page.fill('#given', '10');
    await until(page, () => /USD 2\.99 still due/.test(document.getElementById('change').textContent), 'what is still due');
    await page.fill('#given', '20');
    await until(page, () => /Change due: USD 7\.01/.test(document.getElementById('change').textContent), 'the change of a split sale');
    await check(page, 'till-split-cart');
    await page.click('#complete');
    await until(page, () => !document.getElementById('view-receipt').hidden, 'the split receipt');
    assert.match(await text(page, '#receipt'), /Total\s*USD 32\.99\s*Card\s*USD 20\.00\s*Cash given\s*USD 20\.00\s*Change\s*USD 7\.01/);
    await check(page, 'till-receipt-split');
    const split = await text(page, '#receipt-code');
    await page.click('#sync-now');
    await until(page, () => document.getElementById('sync-pending').textContent === 'All synced', 'synced');
    const splitOrder = (await server.call('demo', 'GET', `/orders/${split}`)).body.attributes;
    assert.deepEqual([splitOrder.payments, splitOrder.change, splitOrder.paymentMethod],
                     [[{ method: 'card', amount: 20 }, { method: 'cash', amount: 12.99, given: 20 }], 7.01, 'split']);
    assert.deepEqual(b.problems, []);
  } finally {
    const now = (await server.call('demo', 'GET', '/settings')).body;
    await server.call('demo', 'PATCH', '/settings', { ...before.attributes, version: now.version });
  }
});

test('a token the server refuses is shown on the sync bar, and Sync now signs in again', async () => {
  const b = await browser();
  // A till whose stored token is signed with another secret (say, the server's was rotated).
  await b.context.addInitScript((t) => {
    if (location.protocol !== 'http:') return;
    if (!sessionStorage.getItem('seeded')) localStorage.setItem('edgecart.till.token.till-h', t);
    sessionStorage.setItem('seeded', '1');
  }, token('another-secret', 'demo', 'till-h', ['manager'], 7 * 86400));
  const page = await b.page('/till/?till=till-h', { drawer: false });  // its first sync is the test's
  await until(page, () => !document.getElementById('sync-error').hidden, 'the error on the bar');
  assert.match(await text(page, '#sync-error'), /Sync failed: .*Invalid token: bad signature/);
  await page.click('#sync-now');
  await until(page, () => document.getElementById('sync-pending').textContent === 'All synced' &&
    document.getElementById('sync-error').hidden, 'signed in again and synced');
  assert.deepEqual(b.problems.filter((p) => !/401/.test(p)), []);
});

test('the landing page links the apps and the API reference', async () => {
  const b = await browser();
  const page = await b.context.newPage();
  await page.goto(`${url}/`);
  assert.deepEqual(await page.$$eval('main a', (as) => as.map((a) => a.getAttribute('href'))), ['/till/', '/store/', '/docs/', '/docs/js/']);
  await check(page, 'landing');
  for (const app of ['till', 'store']) {
    const r = await fetch(`${url}/${app}`, { redirect: 'manual' });
    assert.deepEqual([r.status, r.headers.get('location')], [302, `/${app}/`], 'a folder without its slash');
  }
  assert.equal((await fetch(`${url}/products`, { redirect: 'manual' })).status, 401, 'the API is not a folder');
  const manifest = await (await fetch(`${url}/till.webmanifest`)).json();
  assert.equal(manifest.start_url, '/till/');
  // Chromium's own installability check (manifest, icons, service worker) finds nothing missing.
  for (const app of ['till', 'store']) {
    const p = await b.page(`/${app}/`);
    await until(p, async () => navigator.serviceWorker.controller !== null, `the ${app}'s service worker`);
    const cdp = await b.context.newCDPSession(p);
    assert.deepEqual((await cdp.send('Page.getInstallabilityErrors')).installabilityErrors, [], `the ${app} is installable`);
  }
  assert.deepEqual(b.problems, []);
});
