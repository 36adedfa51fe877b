// A whole day at the till (docs/till.md), in Debian's Chromium against edgecart-server: the
// drawer opened with a float of 10,000; twenty sales, some offline, some split, one parked over a
// reload; two returns (one restocked, one damaged); a paid-out; the close with the cash counted.
// The Z report must equal the figures this test adds up from the receipts, the server's session
// must equal the till's, and the stock must equal the opening stock less the sales plus the
// restocked returns.
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { browser, check, offline, openDrawer, startApps, stopApps, text, until } from './app-browser.js';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
let server;

before(async () => {
  ({ server } = await startApps(join(web, 'dist', 'site')));
});
after(stopApps);

const cents = (amount) => Math.round(amount * 100);
const PRODUCTS = ['PRD-007', 'PRD-009', 'PRD-010'];

// Available units on the server: in stock less reserved.
async function available(code) {
  const a = (await server.call('demo', 'GET', `/inventory/${code}`)).body.attributes;
  return a.quantity - a.reservedQuantity;
}

// One sale through the sell screen: `units` product codes typed in the search (one Enter each),
// paid by `pay` (cash: 200 given; card; split: 5.00 by card and 200 cash). Returns the order.
async function sell(page, units, pay) {
  for (const code of units) {
    await page.fill('#search', code);
    await page.press('#search', 'Enter');
  }
  await until(page, (n) => [...document.querySelectorAll('[data-qty]')].reduce((s, i) => s + Number(i.value), 0) === n,
              'the cart holds the units', units.length);
  await page.check(`input[name=pay][value=${pay}]`);
  if (pay === 'split') await page.fill('#card-amount', '5');
  if (pay !== 'card') await page.fill('#given', '200');
  await until(page, () => !document.getElementById('complete').disabled, 'the sale can complete');
  await page.click('#complete');
  await until(page, () => !document.getElementById('view-receipt').hidden, 'the receipt');
  const code = await text(page, '#receipt-code');
  const order = await page.evaluate((c) => window.till.shop.orders.get(c), code);
  await page.click('#new-sale');
  return order;
}

test('a whole day at the till: float, twenty sales, two returns, a paid-out, the close; the Z report adds up', async () => {
  const b = await browser();
  const page = await b.page('/till/?till=till-day', { drawer: false });
  await until(page, async () => (await window.till.shop.syncStatus()).lastSyncAt !== null, 'the first sync');
  const opening = {};
  for (const code of PRODUCTS) opening[code] = await available(code);

  // No sale without an open drawer.
  await page.fill('#search', PRODUCTS[0]);
  await page.press('#search', 'Enter');
  await until(page, () => document.querySelectorAll('[data-qty]').length === 1, 'the cart');
  assert.match(await text(page, '#drawer-state'), /The drawer is closed: open it to sell/);
  assert.equal(await page.isDisabled('#complete'), true);
  await page.click('[data-remove]');

  // 1. Open with a float of 10,000.
  await page.click('a[data-view=drawer]');
  await check(page, 'till-drawer-closed');
  await openDrawer(page, '10000');
  await until(page, () => document.querySelector('#drawer [data-figure=float]')?.textContent === 'USD 10000.00', 'the X report');

  // 2. Twenty sales: 6-10 offline; every third split, every third by card; the 15th parked over a reload.
  await page.click('a[data-view=sell]');
  const orders = [];
  for (let i = 1; i <= 20; i++) {
    if (i === 6) await offline(b, true);
    if (i === 11) await offline(b, false);
    const units = [PRODUCTS[i % 3], ...(i % 4 === 0 ? [PRODUCTS[(i + 1) % 3]] : [])];
    const pay = i % 3 === 0 ? 'split' : i % 3 === 1 ? 'cash' : 'card';
    if (i === 15) {
      // Parked while the next customer pays, kept over a reload, recalled.
      for (const code of units) {
        await page.fill('#search', code);
        await page.press('#search', 'Enter');
      }
      await until(page, () => document.querySelectorAll('[data-qty]').length > 0, 'the cart');
      await page.click('#park');
      await until(page, () => !document.getElementById('parked').hidden, 'the parked sale');
      orders.push(await sell(page, [PRODUCTS[0]], 'card'));
      await page.reload();
      await until(page, () => document.body.dataset.ready === 'true' && document.body.dataset.drawer === 'open', 'the till again');
      await page.click('#parked summary');
      await page.click('[data-recall="0"]');
      await until(page, () => document.querySelectorAll('[data-qty]').length > 0 && document.getElementById('parked').hidden, 'recalled');
      await page.check(`input[name=pay][value=${pay}]`);
      if (pay !== 'card') await page.fill('#given', '200');
      await until(page, () => !document.getElementById('complete').disabled, 'the sale can complete');
      await page.click('#complete');
      await until(page, () => !document.getElementById('view-receipt').hidden, 'the receipt');
      orders.push(await page.evaluate(async (c) => window.till.shop.orders.get(c), await text(page, '#receipt-code')));
      await page.click('#new-sale');
      i++;  // the parked sale and the one sold meanwhile are two of the twenty
      continue;
    }
    orders.push(await sell(page, units, pay));
  }
  assert.equal(orders.length, 20);
  assert.ok(orders.filter((o) => o.attributes.paymentMethod === 'split').length >= 5);

  // 3. Two returns from the returns screen: one unit back to stock (cash), one damaged (card).
  const back = [{ order: orders[0], restock: true, method: 'cash' }, { order: orders[1], restock: false, method: 'card' }];
  const refunds = [];
  for (const [k, r] of back.entries()) {
    await page.click('a[data-view=returns]');
    await page.fill('#return-code', r.order.code);
    await page.press('#return-code', 'Enter');
    await until(page, () => document.querySelector('[data-return-qty="0"]') !== null, 'the sale to return from');
    await page.fill('[data-return-qty="0"]', '1');
    if (!r.restock) await page.uncheck('[data-restock="0"]');
    await page.selectOption('#refund-method', r.method);
    await page.fill('#return-reason', r.restock ? 'unwanted gift' : 'broken in the box');
    if (k === 0) await check(page, 'till-return');
    await page.click('#return-lines button[type=submit]');
    await until(page, () => !document.getElementById('view-receipt').hidden, 'the refund slip');
    const code = await text(page, '#receipt-code');
    assert.match(code, /^RET-/);
    if (k === 1) await check(page, 'till-refund-slip');
    refunds.push(await page.evaluate((c) => window.till.shop.returns.get(c), code));
  }

  // 4. A paid-out.
  await page.click('a[data-view=drawer]');
  await page.fill('#movement-amount', '12.50');
  await page.fill('#movement-reason', 'window cleaner');
  await page.click('#movement button[type=submit]');
  await until(page, () => document.querySelector('#drawer [data-figure=paidOut]')?.textContent === 'USD 12.50', 'the paid-out');
  await check(page, 'till-drawer');

  // The figures by hand, from the receipts and the slips, in cents.
  const sum = (list, f) => list.reduce((s, x) => s + f(x), 0);
  const taken = (method) => sum(orders, (o) => sum(o.attributes.payments ?? [], (p) => (p.method === method ? cents(p.amount) : 0)));
  const refunded = (method) => sum(refunds, (r) => (r.attributes.refund.method === method ? cents(r.attributes.refund.amount) : 0));
  const expectedCash = cents(10000) + taken('cash') - refunded('cash') - cents(12.5);

  // 5. Closed with the cash counted.
  await page.fill('#counted', (expectedCash / 100).toFixed(2));
  await page.click('#close-drawer button[type=submit]');
  await page.click('dialog.ask button[value=yes]');
  await until(page, () => document.body.dataset.drawer === 'closed' && document.querySelector('#drawer .z-report') !== null, 'the Z report');
  await check(page, 'till-z-report');
  const session = await page.evaluate(async () => (await window.till.shop.sessions.list({ till: 'till-day', status: 'closed' })).items[0]);
  const z = session.attributes;
  assert.equal(z.salesCount, 20);
  assert.equal(cents(z.gross), sum(orders, (o) => cents(o.attributes.subtotal)));
  assert.equal(cents(z.discounts), 0);
  assert.equal(cents(z.salesTotal), sum(orders, (o) => cents(o.attributes.total)));
  assert.equal(z.returnsCount, 2);
  assert.equal(cents(z.refunds), sum(refunds, (r) => cents(r.attributes.refund.amount)));
  assert.deepEqual(z.tenders.map((t) => [t.method, cents(t.taken), cents(t.refunded)]),
                   [['card', taken('card'), refunded('card')], ['cash', taken('cash'), refunded('cash')]]);
  assert.deepEqual(z.taxes.map((t) => [t.rate, cents(t.sales), cents(t.refunded)]),
                   [[10, sum(orders, (o) => cents(o.attributes.tax)), sum(refunds, (r) => sum(r.attributes.taxes, (t) => cents(t.tax)))]]);
  assert.equal(cents(z.paidOut), 1250);
  assert.equal(cents(z.expectedCash), expectedCash);
  assert.equal(cents(z.countedCash), expectedCash);
  assert.equal(cents(z.difference), 0);

  // The server's session and Z report are the till's.
  await page.click('#sync-now');
  await until(page, () => document.getElementById('sync-pending').textContent === 'All synced', 'synced');
  await until(page, () => document.getElementById('drawer-pending') === null, 'final once synced: no pending note');
  const onServer = (await server.call('demo', 'GET', `/sessions/${session.code}`)).body;
  assert.deepEqual(onServer.attributes, z);
  // A manager sees every till's sessions and their reports.
  await until(page, (c) => document.querySelector(`[data-session-row="${c}"]`) !== null, 'the sessions list', session.code);
  await page.click(`[data-report="${session.code}"]`);
  await until(page, () => !document.getElementById('session-report').hidden, 'the report');
  assert.match(await text(page, '#session-report'), /Z report/);
  await check(page, 'till-sessions');
  // Every sale reached the server once.
  for (const o of orders) assert.equal((await server.call('demo', 'GET', `/orders/${o.code}`)).status, 200, o.code);

  // The stock: the opening stock less the sales plus the restocked return.
  for (const code of PRODUCTS) {
    const sold = sum(orders, (o) => sum(o.attributes.items, (l) => (l.productCode === code ? l.quantity : 0)));
    const restocked = sum(refunds, (r) => sum(r.attributes.lines, (l) => (l.productCode === code && l.restock ? l.quantity : 0)));
    assert.equal(await available(code), opening[code] - sold + restocked, code);
  }
  assert.deepEqual(b.problems, []);
});
