// The production API on the module (Node, IndexedDB from fake-indexeddb): the role table of
// tests/fixtures/roles.json (also run over HTTP by tests/http_api_test.cpp), the stock outcome
// and strict policy, idempotent writes, error codes, live queries and syncstatus events.
import 'fake-indexeddb/auto';

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { EdgeCartError, openShop } from 'edgecart';

import { product, seedOrder, uniqueName } from './suite.js';

const table = JSON.parse(readFileSync(new URL('../../tests/fixtures/roles.json', import.meta.url), 'utf8'));

const orderFor = (fields) => {
  const o = seedOrder();
  for (const [k, v] of Object.entries(fields)) {
    if (v === null) delete o[k];
    else o[k] = v;
  }
  return o;
};

async function stateOf(shop) {
  return JSON.stringify([await shop.products.list({ limit: 100 }), await shop.orders.list({ limit: 100 }),
                         await shop.inventory.get('PRD-001')]);
}

test('every route for every role answers what the role table says, and a refusal changes nothing', async () => {
  for (const c of table.cases) {
    for (const [role, expected] of Object.entries(c.expect)) {
      const name = uniqueName('roles');
      const admin = await openShop({ tenant: 'shop-a', user: 'adm', roles: ['admin'], storage: 'memory', name });
      for (const p of table.setup.products) {
        await admin.products.create(product(p.code));
        await admin.inventory.update(p.code, { quantity: p.quantity });
      }
      for (const o of table.setup.orders) {
        const made = await admin.orders.create(orderFor({ customerId: o.customerId }));
        assert.equal(made.code, o.code);
        if (o.status !== 'pending') await admin.orders.updateStatus(o.code, o.status);
      }
      const caller = table.callers[role];
      const shop = await openShop({ tenant: 'shop-a', user: caller.user, roles: caller.roles, storage: 'memory', name });
      const before = await stateOf(admin);
      const r = await shop.request(c.method, c.path, c.order ? orderFor(c.order) : c.body);
      assert.equal(r.status, expected, `${role} ${c.method} ${c.path}: ${JSON.stringify(r.body)}`);
      if (r.status === 403) {
        assert.equal(r.body.code, 'FORBIDDEN');
        assert.equal(await stateOf(admin), before, `a refused call changes nothing: ${role} ${c.path}`);
      }
      await shop.close();
      await admin.close();
    }
  }
});

test('a customer lists only its own orders; a shop without roles and without a server is its owner', async () => {
  const name = uniqueName('own');
  const owner = await openShop({ tenant: 'shop-a', user: 'owner', storage: 'memory', name });
  await owner.products.create(product('PRD-001'));  // no roles, no server: admin
  await owner.inventory.update('PRD-001', { quantity: 10 });
  await owner.orders.create(orderFor({ customerId: 'cust-2' }));
  const customer = await openShop({ tenant: 'shop-a', user: 'cust-1', roles: ['customer'], storage: 'memory', name });
  const mine = await customer.orders.create(orderFor({ customerId: null }));
  assert.equal(mine.attributes.customerId, 'cust-1', 'a customer orders for itself');
  assert.deepEqual((await customer.orders.list()).items.map((o) => o.code), [mine.code]);
  const e = await customer.orders.get('ORD-000001').catch((x) => x);
  assert.ok(e instanceof EdgeCartError);
  assert.equal(e.code, 'FORBIDDEN');
  assert.equal(e.status, 403);
  await customer.close();
  await owner.close();
});

test('an order says whether its stock was reserved; strict refuses with the seed message and takes no number', async () => {
  const shop = await openShop({ tenant: 'shop-a', user: 'u', storage: 'memory', name: uniqueName('stock') });
  await shop.products.create(product('PRD-001'));
  await shop.inventory.update('PRD-001', { quantity: 2 });
  const big = seedOrder();
  big.items[0].quantity = 5;
  const e = await shop.orders.create(big, { stock: 'strict' }).catch((x) => x);
  assert.ok(e instanceof EdgeCartError);
  assert.equal(e.code, 'INSUFFICIENT_INVENTORY');
  assert.equal(e.message, 'Insufficient inventory for PRD-001: requested 5, available 2');
  assert.equal(e.body.code, 'INSUFFICIENT_INVENTORY');
  const accepted = await shop.orders.create(big);
  assert.equal(accepted.code, 'ORD-000001');
  assert.deepEqual(accepted.reservation, { state: 'none', error: 'Insufficient inventory for PRD-001: requested 5, available 2',
                                           errorCode: 'INSUFFICIENT_INVENTORY' });
  assert.equal((await shop.orders.get('ORD-000001')).reservation.state, 'none');
  const held = await shop.orders.create(seedOrder(), { stock: 'strict' });
  assert.deepEqual(held.reservation, { state: 'held' });
  await assert.rejects(shop.orders.create(seedOrder(), { stock: 'maybe' }), (x) => x.status === 400);
  await shop.close();
});

test('an idempotency key answers a retry with the first answer, once, and refuses another body with 422', async () => {
  const shop = await openShop({ tenant: 'shop-a', user: 'u', storage: 'memory', name: uniqueName('idem') });
  await shop.products.create(product('PRD-001'));
  await shop.inventory.update('PRD-001', { quantity: 100 });
  const notes = [];
  shop.addEventListener('notification', (e) => notes.push(e.detail.type));
  const first = await shop.orders.create(seedOrder(), { idempotencyKey: 'sale-1' });
  const again = await shop.orders.create(seedOrder(), { idempotencyKey: 'sale-1' });
  assert.deepEqual(again, first);
  assert.equal((await shop.orders.list()).items.length, 1);
  assert.deepEqual(notes, ['order_confirmation'], 'one confirmation, not two');
  const other = seedOrder();
  other.items[0].quantity = 3;
  const e = await shop.orders.create(other, { idempotencyKey: 'sale-1' }).catch((x) => x);
  assert.equal(e.status, 422);
  assert.equal(e.code, 'IDEMPOTENCY_KEY_REUSED');
  await assert.rejects(shop.orders.create(seedOrder(), { idempotencyKey: 'with space' }), (x) => x.status === 400);
  await shop.close();
});

test('a live query delivers now and after each change that alters it, until unsubscribed', async () => {
  const shop = await openShop({ tenant: 'shop-a', user: 'u', storage: 'memory', name: uniqueName('watch') });
  await shop.products.create(product('PRD-001'));
  await shop.inventory.update('PRD-001', { quantity: 100 });
  const seen = [];
  let wake = () => {};
  const next = () => new Promise((r) => { wake = r; });
  let arrived = next();
  const stop = shop.orders.watch({ order: 'desc', limit: 5 }, (page) => {
    seen.push(page.items.map((o) => o.code));
    wake();
  });
  await arrived;
  assert.deepEqual(seen, [[]], 'the result now');
  arrived = next();
  await shop.orders.create(seedOrder());
  await arrived;
  arrived = next();
  await shop.orders.create(seedOrder());
  await arrived;
  assert.deepEqual(seen, [[], ['ORD-000001'], ['ORD-000002', 'ORD-000001']]);
  await shop.inventory.update('PRD-001', { quantityDelta: 1 });  // not an order: no delivery
  stop();
  await shop.orders.create(seedOrder());
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(seen.length, 3, 'nothing after unsubscribing, nothing for other items');
  await shop.close();
});

test('a commit is one changes event with every item it changed, and a live query is handed them', async () => {
  const shop = await openShop({ tenant: 'shop-a', user: 'u', storage: 'memory', name: uniqueName('changes') });
  await shop.products.create(product('PRD-001'));
  await shop.inventory.update('PRD-001', { quantity: 10 });
  const events = [];
  shop.addEventListener('changes', (e) => events.push(e.detail.changes.map((c) => c.sk).sort()));
  const runs = [];
  let wake = () => {};
  const next = () => new Promise((r) => { wake = r; });
  let arrived = next();
  const stop = shop.orders.watch({}, (page, changes) => {
    runs.push([page.items.map((o) => o.code), changes.map((c) => c.sk)]);
    wake();
  });
  await arrived;
  arrived = next();
  await shop.orders.create(seedOrder());  // the order, its reservation and the stock: one commit
  await arrived;
  stop();
  assert.deepEqual(events, [['INVENTORY#PRD-001', 'ORDER#ORD-000001', 'RESERVATION#ORD-000001']]);
  assert.deepEqual(runs, [[[], []], [['ORD-000001'], ['ORDER#ORD-000001']]]);
  await shop.close();
});

test('a live query of products follows the catalogue: a new product, a price change, and nothing else', async () => {
  const shop = await openShop({ tenant: 'shop-a', user: 'u', storage: 'memory', name: uniqueName('watch-products') });
  const seen = [];
  let wake = () => {};
  const next = () => new Promise((r) => { wake = r; });
  let arrived = next();
  const stop = shop.products.watch({ isActive: true }, (page) => {
    seen.push(page.items.map((p) => `${p.code} ${p.attributes.price}`));
    wake();
  });
  await arrived;
  arrived = next();
  await shop.products.create(product('PRD-001'));
  await arrived;
  arrived = next();
  await shop.products.update('PRD-001', { price: 19.99 });
  await arrived;
  await shop.products.create({ ...product('PRD-002'), isActive: false });  // changes nothing this query shows
  await shop.inventory.update('PRD-001', { quantity: 5 });
  await new Promise((r) => setTimeout(r, 50));
  stop();
  assert.deepEqual(seen, [[], ['PRD-001 29.99'], ['PRD-001 19.99']]);
  await shop.close();
});

test('products change with a version and list by category, orders by customer newest first', async () => {
  const shop = await openShop({ tenant: 'shop-a', user: 'u', storage: 'memory', name: uniqueName('catalog') });
  await shop.products.create(product('PRD-001'));
  await shop.products.create({ ...product('PRD-002'), categoryCode: 'CBL', isActive: false });
  const changed = await shop.products.update('PRD-001', { price: 24.99, version: 1 });
  assert.equal(changed.attributes.price, 24.99);
  const stale = await shop.products.update('PRD-001', { price: 1, version: 1 }).catch((x) => x);
  assert.equal(stale.code, 'VERSION_CONFLICT');
  assert.deepEqual((await shop.products.list({ categoryCode: 'CBL' })).items.map((p) => p.code), ['PRD-002']);
  assert.deepEqual((await shop.products.list({ isActive: true })).items.map((p) => p.code), ['PRD-001']);
  await shop.inventory.update('PRD-001', { quantity: 100 });
  for (const c of ['a', 'b', 'a']) await shop.orders.create(orderFor({ customerId: c }));
  assert.deepEqual((await shop.orders.list({ customerId: 'a', order: 'desc' })).items.map((o) => o.code), ['ORD-000003', 'ORD-000001']);
  await shop.close();
});

test('the server shows the API reference at /docs (Swagger UI from the build) and the package reference at /docs/js/', async () => {
  const { startServer } = await import('./server.js');
  const server = await startServer({ pages: true });
  try {
    const docs = await fetch(`${server.url}/docs`, { redirect: 'manual' });
    assert.equal(docs.status, 302);
    assert.equal(docs.headers.get('location'), '/docs/');
    const page = await (await fetch(`${server.url}/docs/`)).text();
    assert.match(page, /swagger-ui-bundle\.js/);
    assert.doesNotMatch(page, /https?:\/\/(?!127\.0\.0\.1)[a-z]/i, 'nothing fetched from outside');
    const bundle = await fetch(`${server.url}/docs/swagger-ui-bundle.js`);
    assert.equal(bundle.status, 200);
    assert.ok((await bundle.arrayBuffer()).byteLength > 100_000);
    assert.match(await (await fetch(`${server.url}/docs/init.js`)).text(), /url: '\/openapi\.json'/);
    const js = await fetch(`${server.url}/docs/js/index.html`);
    assert.equal(js.status, 200);
    assert.match(await js.text(), /openShop|EdgeCartError/);
    const spec = await (await fetch(`${server.url}/openapi.json`)).json();
    assert.deepEqual(spec.paths['/products/{code}'].patch['x-roles'], ['manager', 'admin']);
  } finally {
    await server.close();
  }
});

test('npm pack carries the README, the LICENSE, the module and its types, and not the docs site', async () => {
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts=false'], { cwd: new URL('..', import.meta.url), encoding: 'utf8' });
  const files = JSON.parse(out.slice(out.indexOf('['))).flatMap((p) => p.files.map((f) => f.path));
  for (const f of ['README.md', 'LICENSE', 'package.json', 'dist/edgecart.wasm', 'dist/edgecart.mjs', 'dist/index.d.ts', 'dist/node.js']) {
    assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
  }
  assert.ok(!files.some((f) => f.startsWith('dist/docs/')), 'the docs site stays out of the package');
});

test('--seed fills an empty tenant once (all or nothing); --dev signs a token per role and user', async () => {
  const { startServer } = await import('./server.js');
  const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const seedFile = new URL('../../server/demo-seed.json', import.meta.url).pathname;
  const server = await startServer({ args: ['--dev', '--seed', seedFile] });
  try {
    const products = (await server.call('demo', 'GET', '/products?limit=100')).body.items;
    assert.equal(products.length, 12);
    assert.deepEqual([...new Set(products.map((p) => p.attributes.categoryCode))].sort(), ['ACC', 'AUD', 'OFF']);
    assert.equal((await server.call('demo', 'GET', '/inventory/PRD-001')).body.attributes.quantity, 40);
    // A second start reuses the data: what changed stays, nothing is seeded again.
    await server.call('demo', 'PATCH', '/inventory/PRD-001', { quantityDelta: -5 });
    await server.restart();
    assert.equal((await server.call('demo', 'GET', '/products?limit=100')).body.items.length, 12);
    assert.equal((await server.call('demo', 'GET', '/inventory/PRD-001')).body.attributes.quantity, 35);

    const shopper = await (await fetch(`${server.url}/dev/token?role=customer&sub=shopper-7`)).json();
    const claims = JSON.parse(Buffer.from(shopper.token.split('.')[1], 'base64url').toString());
    assert.deepEqual([claims.sub, claims['custom:tenant'], claims['custom:roles']], ['shopper-7', 'demo', ['customer']]);
    const refused = await fetch(`${server.url}/products`, {
      method: 'POST', headers: { authorization: `Bearer ${shopper.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(product('PRD-099')),
    });
    assert.equal(refused.status, 403, 'a shopper token cannot change the catalogue');
    for (const q of ['role=root', 'role=admin&sub=a%20b', 'sub=']) {
      const r = await fetch(`${server.url}/dev/token?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal((await r.json()).code, 'VALIDATION_FAILED');
    }
  } finally {
    await server.close();
  }
  // A seed with a bad entry: the server does not start and the tenant stays empty.
  const dir = mkdtempSync(join(tmpdir(), 'edgecart-seed-'));
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ tenant: 'demo', products: [
    { ...product('PRD-001'), quantity: 3 }, { ...product('PRD-002'), price: -1, quantity: 1 }] }));
  const db = join(dir, 'e.db');
  const broken = await startServer({ db, args: ['--seed', bad] }).then(() => null, (e) => e);
  assert.match(String(broken), /exited 1.*seed product PRD-002/s);
  const after = await startServer({ db });
  try {
    assert.deepEqual((await after.call('demo', 'GET', '/products')).body.items, [], 'no half seed');
  } finally {
    await after.close();
  }
  const empty = await startServer({ args: ['--seed', join(dir, 'none.json')] }).then(() => null, (e) => e);
  assert.match(String(empty), /cannot read the seed/);
  rmSync(dir, { recursive: true, force: true });
});
