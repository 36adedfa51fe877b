import { generateShop, toCsv } from './shop-data.mjs';
import { startServer, token } from '../test/server.js';
import { openShop } from '../dist/node.js';
const shop = generateShop({ products: 20000, days: 0 });
const server = await startServer();
const t = token(server.secret, 'demo', 'admin-1', ['admin']);
const auth = { authorization: `Bearer ${t}` };
for (let i = 0; i < shop.products.length; i += 10000) {
  await fetch(`${server.url}/products/import`, { method: 'POST', headers: { ...auth, 'content-type': 'text/csv' }, body: toCsv(shop.products.slice(i, i + 10000)) });
}
const s = await openShop({ tenant: 'demo', user: 'till-x', storage: 'memory', server: { url: server.url, token: t, live: false, intervalMs: 1e9 } });
let t0 = performance.now();
let events = 0;
s.addEventListener('changes', (e) => { events++; });
await s.sync();
console.log('sync ms', performance.now() - t0, 'events', events);
t0 = performance.now();
for (let i = 0; i < 100; i++) await s.products.listWithStock({ sku: shop.products[i * 100].sku });
console.log('sku lookup ms each', (performance.now() - t0) / 100);
t0 = performance.now();
for (let i = 0; i < 20; i++) await s.products.listWithStock({ categoryCode: 'DAIRY', limit: 48 });
console.log('category page ms each', (performance.now() - t0) / 20);
t0 = performance.now();
for (const q of ['h', 'ha', 'har', 'harv', 'harve', 'harves', 'harvest', 'harvest m', 'harvest mi', 'harvest mil']) await s.products.listWithStock({ q, limit: 48 });
console.log('search ms each', (performance.now() - t0) / 10);
console.log('heapBytes', s.stats().heapBytes / 1048576, 'MB');
await s.close();
await server.stop();
