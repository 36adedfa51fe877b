// The JS test suite, written once as a function of a shop factory and run both in Node (against
// the module, IndexedDB from fake-indexeddb) and in real headless Chromium (test/browser.test.js).
// No test framework here: each case throws on failure, so the same file runs in a page.
//
//   cases(env) -> [{name, run}]   env = {openShop, EdgeCartError, storage: 'indexeddb'|'idbfs'|'memory'}

export const seedOrder = () => ({
  customerId: 'CUST-001',
  items: [{ productCode: 'PRD-001', name: 'Wireless Mouse', quantity: 2, price: 29.99 }],
  shippingAddress: { street: '123 Main St', city: 'Tokyo', postalCode: '100-0001', country: 'JP' },
  paymentMethod: 'credit_card',
});

export const product = (code, price = 29.99) => ({
  code, name: `Product ${code}`, categoryCode: 'ACC', sku: `SKU-${code}`, price, currency: 'USD',
});

function fail(message) {
  throw new Error(message);
}
// JSON with object keys sorted, so that equal values print equal.
function canon(v) {
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])]));
  return v;
}
function eq(actual, expected, what) {
  const a = JSON.stringify(canon(actual)), e = JSON.stringify(canon(expected));
  if (a !== e) fail(`${what}: expected ${e}, got ${a}`);
}
function ok(condition, what) {
  if (!condition) fail(what);
}
async function rejects(promise, status, message, what) {
  try {
    await promise;
  } catch (e) {
    eq(e.name, 'EdgeCartError', `${what}: error name`);
    eq(e.status, status, `${what}: status`);
    if (message !== undefined) eq(e.message, message, `${what}: message`);
    return e;
  }
  fail(`${what}: expected a rejection with ${status}`);
}

let counter = 0;
/** A database name no other case uses (IndexedDB persists across cases in one browser). */
export function uniqueName(prefix) {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

export function cases({ openShop, EdgeCartError, storage }) {
  const open = (opts = {}) => openShop({ tenant: 'shop-a', user: 'user-1', storage, name: uniqueName('suite'), ...opts });
  async function stocked(shop, code = 'PRD-001', quantity = 10) {
    await shop.products.create(product(code));
    await shop.inventory.update(code, { quantity });
  }
  const list = [];
  const test = (name, run) => list.push({ name, run });

  test('the seed example end to end', async () => {
    const shop = await open();
    try {
      await stocked(shop);
      const r = await shop.request('POST', '/orders', seedOrder());
      eq(r.status, 201, 'status');
      const o = r.body;
      eq([o.pk, o.sk, o.code, o.name, o.version], ['TENANT#shop-a', 'ORDER#ORD-000001', 'ORD-000001', 'Order ORD-000001', 1], 'keys');
      eq([o.attributes.subtotal, o.attributes.tax, o.attributes.total], [59.98, 6, 65.98], 'money');
      eq(o.attributes.status, 'pending', 'status');
      // The seed's lines as sent, each with its amount and tax rate; one currency, one rate.
      eq(o.attributes.items, seedOrder().items.map((l) => ({ ...l, amount: 59.98, taxRate: 10 })), 'items');
      eq([o.attributes.currency, o.attributes.discountTotal, o.attributes.taxes], ['USD', 0, [{ rate: 10, base: 59.98, tax: 6 }]], 'figures');
      const inv = await shop.inventory.get('PRD-001');
      eq([inv.attributes.quantity, inv.attributes.reservedQuantity], [10, 2], 'inventory');
      eq(await shop.orders.get('ORD-000001'), o, 'read back');
    } finally {
      await shop.close();
    }
  });

  test('every allowed transition is accepted, every other refused with the seed message', async () => {
    const shop = await open();
    try {
      await stocked(shop, 'PRD-001', 100);
      const allowed = { pending: ['confirmed', 'cancelled'], confirmed: ['processing', 'cancelled'], processing: ['shipped', 'cancelled'], shipped: ['delivered'], delivered: [], cancelled: [] };
      const statuses = Object.keys(allowed);
      let delivered = null;
      const path = { pending: [], confirmed: ['confirmed'], processing: ['confirmed', 'processing'], shipped: ['confirmed', 'processing', 'shipped'], delivered: ['confirmed', 'processing', 'shipped', 'delivered'], cancelled: ['cancelled'] };
      for (const from of statuses) {
        for (const to of statuses) {
          const order = await shop.orders.create(seedOrder());
          for (const s of path[from]) await shop.orders.updateStatus(order.code, s);
          if (allowed[from].includes(to)) {
            const updated = await shop.orders.updateStatus(order.code, to);
            eq(updated.attributes.status, to, `${from} -> ${to}`);
            if (to === 'delivered') delivered = updated;
          } else {
            await rejects(shop.orders.updateStatus(order.code, to), 400, `Cannot transition from ${from} to ${to}`, `${from} -> ${to}`);
          }
        }
      }
      ok(delivered.attributes.shippedAt && delivered.attributes.deliveredAt, 'shippedAt and deliveredAt are stamped');
    } finally {
      await shop.close();
    }
  });

  test('errors: 404, stale and ahead versions, malformed JSON, unknown route, 413', async () => {
    const shop = await open();
    try {
      await stocked(shop);
      await rejects(shop.orders.get('ORD-000009'), 404, 'Order ORD-000009 not found', 'unknown order');
      const o = await shop.orders.create(seedOrder());
      await shop.orders.updateStatus(o.code, 'confirmed', 1);
      await rejects(shop.orders.updateStatus(o.code, 'processing', 1), 409, undefined, 'stale version');
      await rejects(shop.orders.updateStatus(o.code, 'processing', 7), 400, undefined, 'version ahead');
      const bad = await shop.request('POST', '/orders', '{"customerId": ');
      eq(bad, { status: 400, body: { error: 'Bad Request', message: 'Malformed JSON in request body', statusCode: 400, code: 'VALIDATION_FAILED' } }, 'malformed JSON');
      eq((await shop.request('DELETE', '/orders')).body.message, 'Cannot DELETE /orders', 'unknown route');
      const huge = await shop.request('POST', '/products', JSON.stringify({ ...product('BIG'), description: 'x'.repeat(1100000) }));
      eq(huge.status, 413, 'body over 1 MiB');
      const e = await rejects(shop.products.create({ ...product('P3'), price: 1.234 }), 400, undefined, '3 decimals');
      ok(e instanceof EdgeCartError, 'helpers throw EdgeCartError');
      ok(/decimal/.test(e.message), `clear message: ${e.message}`);
      await rejects(shop.orders.create({ ...seedOrder(), items: [] }), 400, undefined, 'empty items');
      await rejects(shop.orders.create({ ...seedOrder(), items: [{ ...seedOrder().items[0], quantity: 0.5 }] }), 400, undefined, 'fractional quantity');
      await rejects(shop.orders.create({ ...seedOrder(), items: [{ ...seedOrder().items[0], price: NaN }] }), 400, undefined, 'NaN price');
      await rejects(shop.orders.updateStatus(o.code, 'teleported'), 400, undefined, 'unknown status');
      // Nothing above consumed an order number.
      eq((await shop.orders.create(seedOrder())).code, 'ORD-000002', 'next code');
    } finally {
      await shop.close();
    }
  });

  test('paging with limit, cursor and a status filter applied before the limit', async () => {
    const shop = await open();
    try {
      await stocked(shop, 'PRD-001', 1000);
      for (let i = 0; i < 25; i++) {
        const o = await shop.orders.create(seedOrder());
        if (i % 3 === 0) await shop.orders.updateStatus(o.code, 'confirmed');
      }
      const seen = [];
      let cursor;
      do {
        const page = await shop.orders.list({ limit: 10, cursor });
        ok(page.items.length <= 10, 'page size');
        seen.push(...page.items.map((o) => o.code));
        cursor = page.lastSk;
      } while (cursor);
      eq(seen.length, 25, 'every order once');
      eq([...seen].sort(), seen, 'sort-key order');
      const confirmed = await shop.orders.list({ status: 'confirmed', limit: 5 });
      eq(confirmed.items.length, 5, 'a filtered page is full');
      ok(confirmed.items.every((o) => o.attributes.status === 'confirmed'), 'filter');
      ok(confirmed.lastSk, 'more confirmed orders remain');
      const rest = await shop.orders.list({ status: 'confirmed', limit: 100, cursor: confirmed.lastSk });
      eq(rest.items.length, 4, 'nine confirmed in all');
      eq(rest.lastSk, undefined, 'no lastSk on the last page');
      await rejects(shop.orders.list({ limit: 0 }), 400, undefined, 'limit 0');
      await rejects(shop.orders.list({ limit: 101 }), 400, undefined, 'limit 101');
      eq((await shop.orders.list()).items.length, 20, 'default limit 20');
    } finally {
      await shop.close();
    }
  });

  test('notifications and change events', async () => {
    const shop = await open();
    try {
      const notes = [];
      const changes = [];
      shop.addEventListener('notification', (e) => notes.push(e.detail));
      shop.addEventListener('change', (e) => changes.push(e.detail));
      await stocked(shop, 'PRD-001', 2);
      const first = await shop.orders.create(seedOrder());
      eq(notes.map((n) => n.type), ['order_confirmation'], 'confirmation');
      eq(notes[0].orderId, first.code, 'orderId');
      ok(changes.some((c) => c.sk === 'ORDER#ORD-000001' && c.version === 1), 'order change event');
      ok(changes.some((c) => c.sk === 'INVENTORY#PRD-001'), 'inventory change event');
      notes.length = 0;
      const second = await shop.orders.create(seedOrder());  // nothing left to reserve
      eq(notes.map((n) => n.type).sort(), ['inventory_reservation_failed', 'order_confirmation'], 'alert');
      const alert = notes.find((n) => n.type === 'inventory_reservation_failed');
      eq(alert.error, 'Insufficient inventory for PRD-001: requested 2, available 0', 'alert message');
      eq(second.attributes.status, 'pending', 'the order stays pending');
      notes.length = 0;
      await shop.orders.updateStatus(first.code, 'cancelled');
      eq(notes.map((n) => n.type), ['order_cancelled'], 'cancellation');
      eq((await shop.inventory.get('PRD-001')).attributes.reservedQuantity, 0, 'released');
      notes.length = 0;
      changes.length = 0;
      // Failed writes (a read could never emit): a bad transition and a stale version. Neither
      // emits a notification or a change.
      await rejects(shop.orders.updateStatus(first.code, 'shipped'), 400, 'Cannot transition from cancelled to shipped', 'a bad transition');
      const inv = await shop.inventory.get('PRD-001');
      await rejects(shop.inventory.update('PRD-001', { quantity: 9, version: inv.version - 1 }), 409, undefined, 'a stale version');
      eq(notes.length, 0, 'a failed write emits no notification');
      eq(changes.length, 0, 'a failed write emits no change');
    } finally {
      await shop.close();
    }
  });

  test('reservation is all-or-nothing across lines', async () => {
    const shop = await open();
    try {
      await stocked(shop, 'A', 5);
      await stocked(shop, 'B', 1);
      const order = { ...seedOrder(), items: [
        { productCode: 'A', name: 'a', quantity: 3, price: 1 },
        { productCode: 'B', name: 'b', quantity: 2, price: 1 }] };
      await shop.orders.create(order);
      eq((await shop.inventory.get('A')).attributes.reservedQuantity, 0, 'A untouched');
      eq((await shop.inventory.get('B')).attributes.reservedQuantity, 0, 'B untouched');
    } finally {
      await shop.close();
    }
  });

  test('two tenants with the same codes never see each other', async () => {
    const name = uniqueName('tenants');
    const a = await open({ name, tenant: 'shop-a' });
    const b = await open({ name, tenant: 'shop-b' });  // same database, another tenant
    try {
      await stocked(a);
      await a.orders.create(seedOrder());
      eq((await b.orders.list()).items, [], 'no orders of shop-a');
      await rejects(b.products.get('PRD-001'), 404, 'Product PRD-001 not found', 'no products of shop-a');
      await b.products.create(product('PRD-001', 5));
      await b.inventory.update('PRD-001', { quantity: 3 });
      eq((await b.orders.create(seedOrder())).code, 'ORD-000001', 'shop-b has its own sequence');
      eq((await a.products.get('PRD-001')).attributes.price, 29.99, 'shop-a keeps its product');
      eq((await a.inventory.get('PRD-001')).attributes.reservedQuantity, 2, 'and its stock');
      eq((await b.inventory.get('PRD-001')).attributes.reservedQuantity, 2, 'shop-b reserved its own');
      eq((await a.orders.list()).items.length, 1, 'shop-a still has one order');
    } finally {
      await b.close();
      await a.close();
    }
  });

  test('openShop refuses bad options and a closed shop refuses calls', async () => {
    await rejects(openShop({ tenant: 'Bad Tenant!', user: 'u' }), 400, undefined, 'tenant');
    await rejects(openShop({ tenant: 'shop-a', user: '' }), 400, undefined, 'user');
    await rejects(openShop({ tenant: 'shop-a', user: 'u', storage: 'cloud' }), 400, undefined, 'storage');
    await rejects(openShop({ tenant: 'shop-a', user: 'u', storage: 'idbfs', durability: 'strict' }), 400,
                  'storage "idbfs" commits with the browser\'s default durability ("relaxed"); use storage "indexeddb" for "strict"',
                  'IDBFS asked for a flush');
    await rejects(openShop({ tenant: 'shop-a', user: 'u', name: '../etc' }), 400, undefined, 'name');
    const shop = await open();
    await shop.close();
    await rejects(shop.products.list(), 503, 'The shop is closed', 'closed');
  });

  if (storage !== 'memory') {
    test('every acknowledged write survives closing and reopening', async () => {
      const name = uniqueName('durable');
      const shop = await open({ name });
      await stocked(shop, 'PRD-001', 100);
      const codes = await Promise.all(Array.from({ length: 30 }, () => shop.orders.create(seedOrder()).then((o) => o.code)));
      eq(new Set(codes).size, 30, 'distinct codes from concurrent writes');
      await shop.orders.updateStatus(codes[0], 'cancelled');
      await shop.close();
      const again = await open({ name });
      try {
        const page = await again.orders.list({ limit: 100 });
        eq(page.items.map((o) => o.code).sort(), [...codes].sort(), 'all orders');
        eq((await again.orders.get(codes[0])).attributes.status, 'cancelled', 'last status');
        eq((await again.inventory.get('PRD-001')).attributes.reservedQuantity, 58, '29 orders hold 2 each');
        eq((await again.orders.create(seedOrder())).code, 'ORD-000031', 'the sequence continues');
      } finally {
        await again.close();
      }
    });
  }
  return list;
}
