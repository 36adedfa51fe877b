// Two tills in real Chromium (two browser contexts: two profiles, two IndexedDBs) against a real
// edgecart-server: they go offline, both sell the last units (or both return one receipt), come
// back online.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';
import { startServer, token } from './server.js';

let server;
const contexts = [];
const COUNTER = { street: 'Counter sale', city: 'Tokyo', postalCode: '100-0001', country: 'JP' };
before(async () => { server = await startServer({ pages: true }); });
after(async () => {
  for (const { context, profile } of contexts) {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  await server?.close();
});

async function openTill(name) {
  const profile = mkdtempSync(join(tmpdir(), 'edgecart-till-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  contexts.push({ context, profile });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`${name} page error:`, e));
  await page.goto(`${server.url}/page.html`);
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate(async ([tok, user]) => {
    window.outcomes = [];
    window.alerts = [];
    window.shop = await window.edgecart.openShop({ tenant: 'tills', user, server: { url: '', token: tok, intervalMs: 300 } });
    window.shop.addEventListener('sync', (e) => window.outcomes.push(e.detail));
    window.shop.addEventListener('notification', (e) => {
      if (e.detail.type === 'inventory_reservation_failed') window.alerts.push(e.detail);
    });
    await window.shop.sync();
  }, [token(server.secret, 'tills', name), name]);
  return { context, page };
}

// Evaluates `predicate` in the page until it returns true; fails after `timeoutMs`.
async function waitUntil(page, predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(predicate))) {
    assert.ok(Date.now() < deadline, `timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('offline tills sell the last units; online again, all orders arrive once with distinct codes', async () => {
  await server.call('tills', 'POST', '/products', { code: 'PRD-001', name: 'Wireless Mouse', categoryCode: 'ACC', sku: 'WM', price: 29.99, currency: 'USD' });
  await server.call('tills', 'PATCH', '/inventory/PRD-001', { quantity: 3 });
  const tills = [await openTill('till-1'), await openTill('till-2')];
  for (const t of tills) {
    assert.equal(await t.page.evaluate(async () => (await window.shop.inventory.get('PRD-001')).attributes.quantity), 3);
    await t.context.setOffline(true);
  }
  // Each till sells 2 of the 3 units, offline; each order is durable locally at once.
  const codes = [];
  for (const t of tills) {
    codes.push(...await t.page.evaluate(async () => {
      const order = window.edgecart.seedOrder();
      const o = await window.shop.orders.create(order);
      const s = await window.shop.sync().then(() => null, (e) => e.status);
      const status = await window.shop.syncStatus();
      return [o.code, s, status.pending, status.online];
    }));
  }
  assert.equal(codes[1], 503);
  assert.equal(codes[2], 1);
  assert.equal(codes[3], false);
  assert.notEqual(codes[0], codes[4], 'distinct codes from leased blocks');
  for (const t of tills) await t.context.setOffline(false);  // the online event triggers the push
  // Polled from here: waitForFunction takes an async predicate's promise as truthy at once.
  for (const t of tills) {
    await waitUntil(t.page, async () => (await window.shop.syncStatus()).pending === 0, 20000, 'the outbox drained');
  }
  const orders = (await server.call('tills', 'GET', '/orders?limit=100')).body.items;
  assert.deepEqual(orders.map((o) => o.code).sort(), [codes[0], codes[4]].sort(), 'every order, once');
  const inv = (await server.call('tills', 'GET', '/inventory/PRD-001')).body.attributes;
  assert.equal(inv.quantity, 3);
  assert.equal(inv.reservedQuantity, 2, 'one order reserved; 0 <= reserved <= quantity');
  // The outbox shows empty as soon as the answer is applied in memory; its events follow once that
  // is saved (the package emits only what IndexedDB has): waited for, not raced.
  for (const t of tills) await waitUntil(t.page, async () => window.outcomes.length > 0, 20000, 'the push outcome event');
  const seen = await Promise.all(tills.map((t) => t.page.evaluate(() => ({ outcomes: window.outcomes.map((o) => o.outcome), alerts: window.alerts.length }))));
  assert.deepEqual(seen.map((s) => s.outcomes), [['accepted'], ['accepted']]);
  assert.equal(seen[0].alerts + seen[1].alerts, 1, 'the losing reservation is an alert on its till');
  // Both tills converge on the server's state.
  for (const t of tills) {
    const local = await t.page.evaluate(async () => {
      await window.shop.sync();
      return { inv: (await window.shop.inventory.get('PRD-001')).attributes.reservedQuantity, n: (await window.shop.orders.list()).items.length };
    });
    assert.deepEqual(local, { inv: 2, n: 2 });
  }
});

test('two tills return the same receipt offline: one return applies, the other is refused into its Problems, the stock comes back once', async () => {
  await server.call('tills', 'POST', '/products', { code: 'PRD-R1', name: 'Desk Lamp', categoryCode: 'OFF', sku: 'LMP-R1', price: 45, currency: 'USD' });
  await server.call('tills', 'PATCH', '/inventory/PRD-R1', { quantity: 5 });
  const sale = await server.call('tills', 'POST', '/orders', { customerId: 'walk-in', items: [{ productCode: 'PRD-R1', quantity: 1 }],
                                                             shippingAddress: COUNTER, payments: [{ method: 'cash', amount: 49.5 }] });
  assert.equal(sale.status, 201, JSON.stringify(sale.body));
  const tills = [await openTill('till-r1'), await openTill('till-r2')];
  for (const t of tills) {
    assert.equal(await t.page.evaluate(async (c) => (await window.shop.orders.get(c)).attributes.total, sale.body.code), 49.5);
    await t.context.setOffline(true);
  }
  // Both give the customer's money back for the lamp while offline: each is accepted locally.
  const made = [];
  for (const t of tills) {
    made.push(await t.page.evaluate(async (c) => {
      const r = await window.shop.returns.create({ orderCode: c, lines: [{ productCode: 'PRD-R1', quantity: 1 }] });
      return [r.code, r.attributes.refund.amount];
    }, sale.body.code));
  }
  assert.deepEqual(made.map(([, amount]) => amount), [49.5, 49.5]);
  for (const t of tills) await t.context.setOffline(false);
  for (const t of tills) {
    await waitUntil(t.page, async () => (await window.shop.syncStatus()).pending === 0, 20000, 'the outbox drained');
    await waitUntil(t.page, async () => window.outcomes.length > 0, 20000, 'the push outcome event');
  }
  const outcomes = await Promise.all(tills.map((t) => t.page.evaluate(() => window.outcomes.map((o) => o.outcome))));
  assert.deepEqual(outcomes.flat().sort(), ['accepted', 'rejected']);
  const loser = tills[outcomes.findIndex((o) => o[0] === 'rejected')];
  const problems = await loser.page.evaluate(() => window.shop.conflicts());
  assert.equal(problems.length, 1);
  assert.equal(problems[0].body.code, 'RETURN_EXCEEDS_SALE');
  assert.match(problems[0].body.message, /sold 1 of PRD-R1 and 1 are returned already: at most 0 more can be returned/);
  const returns = (await server.call('tills', 'GET', `/returns?orderCode=${sale.body.code}`)).body.items;
  assert.equal(returns.length, 1, 'one return applied');
  assert.equal((await server.call('tills', 'GET', '/inventory/PRD-R1')).body.attributes.quantity, 6, 'restocked once');
  assert.equal((await server.call('tills', 'GET', `/orders/${sale.body.code}`)).body.attributes.refunded, 49.5);
});
