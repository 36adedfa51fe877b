// npm run bench:reconcile [-- --orders 1000 --runs 3]
// Time to reconcile N offline orders on loopback: a till (the package in Node, IndexedDB from
// fake-indexeddb, the release module) leases numbers, goes offline, creates N orders, then comes
// back and runs shop.sync() (push in batches of 100, then pull) against a fresh edgecart-server.
import 'fake-indexeddb/auto';

import { openShop } from 'edgecart';

import { startServer, token } from '../test/server.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const orders = arg('orders', 1000);
const runs = arg('runs', 3);

const server = await startServer();
const times = [];
try {
  for (let run = 0; run < runs; run++) {
    const tenant = `bench-${run}`;
    await server.call(tenant, 'POST', '/products', { code: 'PRD-001', name: 'M', categoryCode: 'A', sku: 'S', price: 29.99, currency: 'USD' });
    await server.call(tenant, 'PATCH', '/inventory/PRD-001', { quantity: 1e8 });
    const remote = { url: server.url, token: token(server.secret, tenant), leaseSize: 1000, intervalMs: 3600_000 };
    const shop = await openShop({ tenant, user: 'bench', name: `reconcile-${run}`, server: remote });
    await shop.sync();
    remote.url = 'http://127.0.0.1:9';  // offline
    const order = { customerId: 'C', items: [{ productCode: 'PRD-001', name: 'M', quantity: 1, price: 29.99 }],
                    shippingAddress: { street: 's', city: 'c', postalCode: 'p', country: 'JP' }, paymentMethod: 'cash' };
    await Promise.all(Array.from({ length: orders }, () => shop.orders.create(order)));
    if ((await shop.syncStatus()).pending !== orders) throw new Error('outbox does not hold every order');
    remote.url = server.url;
    const t0 = performance.now();
    await shop.sync();
    const ms = performance.now() - t0;
    const status = await shop.syncStatus();
    const inv = (await server.call(tenant, 'GET', '/inventory/PRD-001')).body.attributes;
    if (status.pending !== 0 || inv.reservedQuantity !== orders) throw new Error(`not reconciled: ${JSON.stringify({ status, inv })}`);
    times.push(ms);
    await shop.close();
  }
} finally {
  await server.close();
}
times.sort((a, b) => a - b);
console.log(`reconcile ${orders} offline orders on loopback: median ${times[Math.floor(times.length / 2)].toFixed(0)} ms ` +
            `(runs: ${times.map((t) => t.toFixed(0)).join(', ')} ms); every order on the server once`);
