import { generateShop, toCsv } from './shop-data.mjs';
import { startServer, token } from '../test/server.js';
const shop = generateShop({ products: 20000, days: 0 });
const server = await startServer();
const t = token(server.secret, 'demo', 'admin-1', ['admin']);
const auth = { authorization: `Bearer ${t}` };
let t0 = performance.now();
for (let i = 0; i < shop.products.length; i += 10000) {
  const r = await fetch(`${server.url}/products/import`, { method: 'POST', headers: { ...auth, 'content-type': 'text/csv' }, body: toCsv(shop.products.slice(i, i + 10000)) });
  const j = await r.json();
  console.log(r.status, j.created, j.rejectedCount, JSON.stringify(j.rejected?.slice(0, 2)), j.message);
}
console.log('import ms', performance.now() - t0);
t0 = performance.now();
let cursor = '', rows = 0, pages = 0;
for (;;) {
  const r = await fetch(`${server.url}/sync/pull?limit=500${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth });
  const j = await r.json();
  rows += j.items.length; pages++;
  cursor = j.cursor;
  if (!j.more) break;
}
const ms = performance.now() - t0;
console.log('pull rows', rows, 'pages', pages, 'ms', ms, 'rows/s', rows / ms * 1000);
await server.stop();
