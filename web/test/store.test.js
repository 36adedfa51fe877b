// The storefront (web/apps/store, built into dist/site) in Debian's Chromium against a real
// edgecart-server (app-browser.js): a shopper's cart, checkout, orders placed offline that the shop
// refuses, and a first visit before the catalogue has synced. Every page is checked for preload
// hints, with axe-core, at 375 px, and for console errors; screenshots go to build/screenshots/.
// The till's pages are in apps.test.js.
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import {
  browser, check, offline, startApps, stopApps, text, until,
} from './app-browser.js';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');

let server;
let proxy;

before(async () => {
  ({ server, proxy } = await startApps(join(web, 'dist', 'site')));
});
after(async () => {
  await stopApps();
});

test('the storefront: out of stock shown, a cart that survives a reload, checkout validated, stock reserved, my orders', async () => {
  const b = await browser();
  const page = await b.page('/store/');
  await check(page, 'store');
  const mic = page.locator('[data-product=PRD-008]');
  assert.match(await mic.textContent(), /Out of stock/);
  assert.equal(await mic.locator('button').isDisabled(), true);
  await page.click('[data-product=PRD-006] a');
  await until(page, () => document.getElementById('add-qty') !== null, 'the product page');
  assert.match(await text(page, '#view'), /Bluetooth Speaker[\s\S]*Splash-proof[\s\S]*USD 59\.90/);
  await check(page, 'store-product');
  await page.fill('#add-qty', '2');
  await page.click('#add-form button');
  await until(page, () => location.hash === '#/cart', 'the cart');
  await page.click('a[href="#/"]');
  await page.click('[data-add=PRD-004]');
  await page.reload();
  await until(page, () => document.body.dataset.ready === 'true', 'reloaded');
  assert.equal(await text(page, '#cart-link'), 'Cart (3)', 'the cart survived the reload');
  await page.click('#cart-link');
  await until(page, () => document.querySelector('#view table') !== null, 'the cart view');
  assert.match(await text(page, '#view'), /Subtotal\s*USD 162\.05\s*Tax 10 % on USD 162\.05\s*USD 16\.21\s*Total\s*USD 178\.26/);
  await check(page, 'store-cart');

  // The last laptop stands sell elsewhere while the shopper fills in the form: strict stock refuses.
  await page.click('a.button[href="#/checkout"]');
  await page.click('#place');
  assert.equal(await page.getAttribute('#f-street', 'aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'f-street', 'the first bad field has the focus');
  assert.match(await text(page, '#e-postalCode'), /postal code/);
  await check(page, 'store-checkout');
  await page.fill('#f-street', '1-2-3 Marunouchi');
  await page.fill('#f-city', 'Tokyo');
  await page.fill('#f-postalCode', '100-0005');
  await page.check('input[name=paymentMethod][value=bank_transfer]');
  await server.call('demo', 'PATCH', '/inventory/PRD-004', { quantity: 0 });
  await page.evaluate(() => window.store.shop.sync());
  await page.click('#place');
  await until(page, () => /Insufficient inventory/.test(document.getElementById('checkout-error').textContent), 'the refusal');
  assert.equal((await page.evaluate(() => window.store.shop.orders.list())).items.length, 0, 'nothing ordered');
  await page.click('#cart-link');
  await until(page, () => /Only 0 of Laptop Stand left/.test(document.getElementById('view').textContent), 'the cart says so');
  await page.click('[data-remove=PRD-004]');
  await page.click('a.button[href="#/checkout"]');
  assert.equal(await page.inputValue('#f-city'), 'Tokyo', 'the address is kept');
  await page.click('#place');
  await until(page, () => /^#\/order\//.test(location.hash), 'the confirmation');
  await until(page, () => /Your items are reserved, and the shop has your order/.test(document.getElementById('order-state').textContent), 'the shop has it');
  const code = decodeURIComponent((await page.evaluate(() => location.hash)).split('/')[2]);
  await check(page, 'store-confirmation');
  const order = (await server.call('demo', 'GET', `/orders/${code}`)).body;
  assert.equal(order.reservation.state, 'held');
  assert.equal(order.attributes.paymentMethod, 'bank_transfer');
  assert.match(order.attributes.customerId, /^shopper-/);
  assert.deepEqual(order.attributes.items.map((l) => [l.productCode, l.quantity]), [['PRD-006', 2]]);
  await page.click('.store-nav a[href="#/orders"]');
  await until(page, (c) => document.getElementById('view').textContent.includes(c), 'my orders', code);
  assert.match(await text(page, '#view'), /pending/);
  await check(page, 'store-orders');
  assert.deepEqual(b.problems, []);
});

test('a storefront first visit shows a page from the server before the catalogue has synced, then opens offline from its copy', async () => {
  const b = await browser(375);
  proxy.block = (req) => req.url.startsWith('/sync/pull');  // the device's copy cannot fill
  let page;
  try {
    page = await b.page('/store/');
    await until(page, () => document.querySelector('[data-product=PRD-001]') !== null, 'the first page');
    assert.equal(await page.evaluate(async () => (await window.store.shop.products.list()).items.length), 0, 'nothing synced yet');
    // Pages, categories, search and a deep link all come from the server meanwhile.
    await page.click('a[href="#/category/AUD"]');
    await until(page, () => document.querySelector('#view h2').textContent === 'Audio' && document.querySelector('[data-product=PRD-005]') !== null, 'a category');
    await page.fill('#q', 'desk');
    await page.press('#q', 'Enter');
    await until(page, () => /Results for/.test(document.querySelector('#view h2').textContent) && document.querySelectorAll('.card.product').length === 1, 'a search');
    assert.match(await text(page, '#view'), /Desk Lamp/);
    await page.evaluate(() => { location.hash = '#/product/PRD-006'; });
    await until(page, () => /Bluetooth Speaker/.test(document.getElementById('view').textContent), 'a product page');
  } finally {
    proxy.block = () => false;
  }
  await until(page, () => localStorage.getItem('edgecart.store.synced') === '1', 'the copy is whole', undefined, 60_000);
  await until(page, async () => navigator.serviceWorker.controller !== null, 'the shell is cached');
  const active = (await server.call('demo', 'GET', '/products?isActive=true&limit=100')).body.items.length;
  await offline(b, true);
  try {
    await page.reload();
    await until(page, () => document.body.dataset.ready === 'true', 'reloaded offline');
    await page.evaluate(() => { location.hash = '#/'; });
    await until(page, (n) => document.querySelectorAll('.card.product').length === n, 'the catalogue from this device', active);
  } finally {
    await offline(b, false);
  }
  assert.deepEqual(b.problems, []);
});

test('a storefront order placed offline that the shop can no longer fill is shown refused, and can be removed', async () => {
  await server.call('demo', 'PATCH', '/inventory/PRD-012', { quantity: 2 });
  const b = await browser();
  const page = await b.page('/store/');
  await page.click('[data-product=PRD-012] a');
  await until(page, () => document.getElementById('add-qty') !== null, 'the product page');
  await page.fill('#add-qty', '2');
  await page.click('#add-form button');
  await offline(b, true);
  await until(page, () => /Offline/.test(document.getElementById('net').textContent), 'the store says offline');
  await page.click('a.button[href="#/checkout"]');
  await page.fill('#f-street', '4-5-6 Shibuya');
  await page.fill('#f-city', 'Tokyo');
  await page.fill('#f-postalCode', '150-0002');
  await page.click('#place');
  await until(page, () => /reserved on this device[\s\S]*as soon as you are online/.test(document.getElementById('order-state')?.textContent ?? ''), 'reserved here');
  const code = decodeURIComponent((await page.evaluate(() => location.hash)).split('/')[2]);
  // Meanwhile the last shredders go elsewhere.
  await server.call('demo', 'PATCH', '/inventory/PRD-012', { quantity: 0 });
  await offline(b, false);
  await page.evaluate(() => window.store.shop.sync().catch(() => {}));
  await until(page, () => /could not accept this order: Insufficient inventory/.test(document.getElementById('order-state')?.textContent ?? ''), 'refused');
  assert.equal((await server.call('demo', 'GET', `/orders/${code}`)).status, 404, 'the server has no such order');
  await check(page, 'store-refused');
  await page.click('[data-discard]');
  await until(page, () => location.hash === '#/orders', 'my orders');
  await until(page, (c) => document.querySelector('#view h2')?.textContent === 'My orders' && !document.getElementById('view').textContent.includes(c), 'gone from my orders', code);
  assert.deepEqual(await page.evaluate(() => window.store.shop.conflicts()), []);
  assert.deepEqual(b.problems, []);
});

test('a storefront order placed offline at a price the shop has since changed is refused, and the shopper accepts the new price', async () => {
  const b = await browser();
  const page = await b.page('/store/');
  await page.click('[data-add=PRD-010]');  // Gel Pens at 8.99
  await offline(b, true);
  await until(page, () => /Offline/.test(document.getElementById('net').textContent), 'the store says offline');
  await page.click('#cart-link');
  await until(page, () => document.querySelector('a.button[href="#/checkout"]') !== null, 'the cart');
  await page.click('a.button[href="#/checkout"]');
  await page.fill('#f-street', '7-8-9 Ginza');
  await page.fill('#f-city', 'Tokyo');
  await page.fill('#f-postalCode', '104-0061');
  await page.click('#place');
  await until(page, () => /reserved on this device/.test(document.getElementById('order-state')?.textContent ?? ''), 'reserved here');
  const code = decodeURIComponent((await page.evaluate(() => location.hash)).split('/')[2]);
  // Meanwhile the shop raises the price: its server charges a shopper its own price, never the device's.
  assert.equal((await server.call('demo', 'PATCH', '/products/PRD-010', { price: 9.49 })).status, 200);
  await offline(b, false);
  await page.evaluate(() => window.store.shop.sync().catch(() => {}));
  await until(page, () => /could not accept this order: The price of PRD-010 is now 9\.49, not 8\.99/.test(document.getElementById('order-state')?.textContent ?? ''), 'refused');
  assert.equal((await server.call('demo', 'GET', `/orders/${code}`)).status, 404, 'the server has no such order');
  await page.click('[data-reorder]');
  await until(page, () => location.hash === '#/cart' && document.getElementById('price-changes') !== null, 'the cart shows the change');
  assert.match(await text(page, '#price-changes'), /Gel Pens \(10\): was USD 8\.99, now USD 9\.49/);
  assert.equal(await page.locator('a.button[href="#/checkout"]').count(), 0, 'no checkout before the shopper accepts');
  await check(page, 'store-price-changed');
  await page.click('[data-accept-prices]');
  await until(page, () => document.getElementById('price-changes') === null, 'accepted');
  assert.match(await text(page, '#view'), /Total\s*USD 10\.44/);  // 9.49 + 10 % tax 0.95
  await page.click('a.button[href="#/checkout"]');
  await page.click('#place');
  await until(page, () => /Your items are reserved, and the shop has your order/.test(document.getElementById('order-state')?.textContent ?? ''), 'the shop has it');
  const placed = decodeURIComponent((await page.evaluate(() => location.hash)).split('/')[2]);
  const order = (await server.call('demo', 'GET', `/orders/${placed}`)).body;
  assert.deepEqual(order.attributes.items.map((l) => [l.productCode, l.price, l.catalogPrice]), [['PRD-010', 9.49, undefined]]);
  assert.deepEqual(await page.evaluate(() => window.store.shop.conflicts()), []);
  assert.deepEqual(b.problems, []);
});
