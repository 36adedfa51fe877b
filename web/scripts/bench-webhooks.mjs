// Webhook delivery latency: from the commit that made an event (its createdAt) to the moment a
// receiver on this host has it, against a real edgecart-server on SQLite. Two workloads in one
// run: orders one after another, and `--clients` clients ordering at once.
//
//   npm --prefix web run bench:webhooks [-- --orders 500 --clients 8]
import { createServer } from 'node:http';

import { startServer } from '../test/server.js';
import { product, seedOrder } from '../test/suite.js';
import { arg, smoke } from './bench-args.mjs';

const orders = arg('orders', smoke ? 20 : 500);
const clients = arg('clients', smoke ? 2 : 8);

const got = new Map();  // event id -> latency ms
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    const e = JSON.parse(body);
    if (!got.has(e.id)) got.set(e.id, Date.now() - Date.parse(e.createdAt));
    res.end();
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const server = await startServer({ args: ['--webhook-allow-private'] });

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function run(name, tenant, parallel) {
  await server.call(tenant, 'POST', '/products', product('PRD-001'));
  await server.call(tenant, 'PATCH', '/inventory/PRD-001', { quantity: 1_000_000 });
  const made = await server.call(tenant, 'POST', '/webhooks', { url: `http://127.0.0.1:${receiver.address().port}/`, events: ['order_confirmation'] });
  if (made.status !== 201) throw new Error(JSON.stringify(made.body));
  got.clear();
  const start = Date.now();
  let left = orders;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (left-- > 0) {
      const r = await server.call(tenant, 'POST', '/orders', seedOrder());
      if (r.status !== 201) throw new Error(JSON.stringify(r.body));
    }
  }));
  const deadline = Date.now() + 60_000;
  while (got.size < orders && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  if (got.size < orders) throw new Error(`${name}: ${got.size} of ${orders} events arrived`);
  const seconds = (Date.now() - start) / 1000;
  const ms = [...got.values()].sort((a, b) => a - b);
  return { workload: name, events: orders, eventsPerSecond: Math.round(orders / seconds),
    p50: percentile(ms, 50), p95: percentile(ms, 95), p99: percentile(ms, 99), max: ms.at(-1) };
}

try {
  const rows = [await run('one order at a time', 'bench-seq', 1), await run(`${clients} clients at once`, 'bench-par', clients)];
  console.log('| workload | events | events/s | p50 ms | p95 ms | p99 ms | max ms |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.workload} | ${r.events} | ${r.eventsPerSecond} | ${r.p50} | ${r.p95} | ${r.p99} | ${r.max} |`);
} finally {
  await server.close();
  await new Promise((r) => receiver.close(r));
}
