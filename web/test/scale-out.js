// Scale-out under fire (docs/scale-out.md): three edgecart-server processes on one PostgreSQL,
// while everything races at once —
//   - HTTP clients selling the last units of a product (strict stock), moving the same orders on
//     (ship, cancel) and setting stock with a version, each call through a random process, retried
//     with its Idempotency-Key through another one when a process dies under it;
//   - two tills (the module in Node, fake-indexeddb) whose load balancer sends each request to a
//     random process, and sends half the pushes to two processes at once;
//   - a pull auditor reading the change feed in pages of 3 from alternating processes;
//   - a killer that SIGKILLs a random process every 1-2 s and starts it again.
// Then the system is judged (check()). Seeded and bounded by operation counts; nothing is timed.
// Used by scale-out.test.js (both isolation levels, in CI) and scripts/scale-out.mjs.
import 'fake-indexeddb/auto';

import { createServer } from 'node:http';

import { openShop } from 'edgecart';

import { random, unitsOf } from './chaos.js';
import { startPostgres, startServer, token } from './server.js';

const TENANT = 'chain';
const LAST = ['PRD-L1', 'PRD-L2'];   // few units, raced for by strict orders (restocked by one now and then)
const DELTA = [...LAST, 'PRD-D1'];    // changed by deltas only: their arithmetic is checked
const SET = ['PRD-S1'];               // set with a version: optimistic-lock conflicts
const PRODUCTS = [...LAST, ...DELTA, ...SET];
const INITIAL = { 'PRD-L1': 3, 'PRD-L2': 3, 'PRD-D1': 10, 'PRD-S1': 10 };
const ADDRESS = { street: '1 Scale St', city: 'Osaka', postalCode: '530-0001', country: 'JP' };
const NEXT = { pending: 'confirmed', confirmed: 'processing', processing: 'shipped', shipped: 'delivered' };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs one seed; resolves to {failures, stats}. `settings` go to the PostgreSQL server (e.g.
 * {default_transaction_isolation: 'serializable'}).
 */
export async function runScaleOut(seed, { settings = {}, processes = 3, clients = 6, clientOps = 60, tillOps = 40, log = () => {} } = {}) {
  const rng = random(seed);
  const int = (n) => Math.floor(rng() * n);
  const stats = { kills: 0, orders: 0, refused: 0, retries: 0, pushesTwice: 0, pulls: 0, conflicts409: 0 };
  const failures = [];
  const fail = (what) => failures.push(what);
  const pg = await startPostgres({ max_connections: 100, ...settings });
  const secret = `secret-${seed}-${Date.now()}`;
  const servers = [];
  const tills = [];
  let lb;
  try {
    for (let i = 0; i < processes; i++) servers.push(await startServer({ pg: pg.url, secret }));
    const auth = (user, roles = ['manager']) => `Bearer ${token(secret, TENANT, user, roles, 86400)}`;
    const pick = () => servers[int(servers.length)];
    // One call to one process; null if the process did not answer (killed, restarting).
    const once = async (server, method, path, body, { user = 'ops', key } = {}) => {
      try {
        const r = await fetch(`${server.url}${path}`, {
          method, body: body === undefined ? undefined : JSON.stringify(body),
          headers: { authorization: auth(user), 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
        });
        return { status: r.status, body: await r.json() };
      } catch {
        return null;
      }
    };
    // A call through random processes until one answers with something other than 5xx or the
    // "please retry" 409; writes carry an Idempotency-Key, so a retry is applied once.
    let keys = 0;
    const call = async (method, path, body, user = 'ops') => {
      const key = method === 'GET' ? undefined : `k-${seed}-${keys++}`;
      for (let attempt = 0; attempt < 200; attempt++) {
        const r = await once(pick(), method, path, body, { user, key });
        const busy = r && r.status === 409 && r.body.message === 'Inventory was modified, please retry';
        if (busy) stats.conflicts409++;
        if (r && r.status < 500 && !busy) return r;
        stats.retries++;
        await sleep(20 + int(60));
      }
      throw new Error(`${method} ${path}: no answer after 200 tries`);
    };

    for (const p of PRODUCTS) {
      await call('POST', '/products', { code: p, name: `Product ${p}`, categoryCode: 'SCL', sku: p, price: 10, currency: 'USD' });
      await call('PATCH', `/inventory/${p}`, { quantity: INITIAL[p] });
    }
    const expect = { orders: new Map(), deltas: Object.fromEntries(DELTA.map((p) => [p, 0])) };

    // ---- the tills' load balancer ------------------------------------------------------------
    const leases = [];
    lb = createServer(async (req, res) => {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const send = (server) => fetch(`${server.url}${req.url}`, {
        method: req.method, body, headers: { authorization: req.headers.authorization ?? '', 'content-type': 'application/json' },
      }).then(async (r) => ({ status: r.status, text: await r.text() }));
      let targets = [pick()];
      if (req.url.startsWith('/sync/push') && rng() < 0.5) {
        const other = servers.filter((s) => s !== targets[0]);
        targets = [targets[0], other[int(other.length)]];
        stats.pushesTwice++;
      }
      const answers = await Promise.allSettled(targets.map(send));
      const ok = answers.filter((a) => a.status === 'fulfilled').map((a) => a.value);
      if (ok.length === 2 && ok[0].status === 200 && ok[1].status === 200) {
        // The same push answered by two processes: every command has the same outcome in both.
        const [a, b] = ok.map((o) => JSON.parse(o.text).results);
        for (let k = 0; k < Math.min(a.length, b.length); k++) {
          if (a[k].seq !== b[k].seq || a[k].outcome !== b[k].outcome || a[k].sk !== b[k].sk) {
            fail(`one push, two answers: ${JSON.stringify(a[k])} and ${JSON.stringify(b[k])}`);
          }
        }
      }
      if (req.url.startsWith('/sync/lease')) for (const o of ok) if (o.status === 200) leases.push(JSON.parse(o.text));
      const first = ok[0];
      res.writeHead(first ? first.status : 502, { 'content-type': 'application/json' });
      res.end(first ? first.text : JSON.stringify({ statusCode: 502, message: 'no process answered' }));
    });
    await new Promise((r) => lb.listen(0, '127.0.0.1', r));
    const lbUrl = `http://127.0.0.1:${lb.address().port}`;

    for (let i = 0; i < 2; i++) {
      const t = { user: `till-${i}`, alerts: new Set() };
      t.shop = await openShop({
        tenant: TENANT, user: t.user, roles: ['manager'], name: `scale-${seed}-${i}-${Date.now().toString(36)}`,
        server: { url: lbUrl, token: token(secret, TENANT, t.user, ['manager'], 86400), leaseSize: 3, intervalMs: 100 + int(200) },
      });
      tills.push(t);
    }

    // ---- the actors, all at once -------------------------------------------------------------
    let running = true;
    const client = async (j) => {
      for (let n = 0; n < clientOps; n++) {
        const x = rng();
        if (x < 0.45) {
          const p = LAST[int(LAST.length)];
          const marker = `c${j}-${n}`;
          const r = await call('POST', '/orders?stock=strict', {
            customerId: marker, items: [{ productCode: p, name: p, quantity: 1, price: 10 }], shippingAddress: ADDRESS, paymentMethod: 'card',
          }, `http-${j}`);
          if (r.status === 201) {
            expect.orders.set(r.body.code, { marker, items: [[p, 1]] });
            stats.orders++;
          } else {
            stats.refused++;
          }
        } else if (x < 0.7) {
          const codes = [...expect.orders.keys()];
          if (!codes.length) continue;
          const code = codes[int(codes.length)];
          const o = await call('GET', `/orders/${code}`);
          if (o.status !== 200) continue;
          const to = rng() < 0.3 ? 'cancelled' : NEXT[o.body.attributes.status];
          if (to) await call('PATCH', `/orders/${code}/status`, { status: to }, `http-${j}`);
        } else if (x < 0.85) {
          const p = rng() < 0.2 ? LAST[int(LAST.length)] : 'PRD-D1';
          const d = p === 'PRD-D1' ? 1 + int(3) : 1;
          const r = await call('PATCH', `/inventory/${p}`, { quantityDelta: d }, `http-${j}`);
          if (r.status === 200) expect.deltas[p] += d;
        } else {
          const inv = await call('GET', '/inventory/PRD-S1');
          const q = inv.body.attributes.reservedQuantity + int(6);
          await call('PATCH', '/inventory/PRD-S1', { quantity: q, version: inv.body.version }, `http-${j}`);
        }
      }
    };
    const till = async (t) => {
      for (let n = 0; n < tillOps; n++) {
        try {
          if (rng() < 0.7) {
            const p = [...LAST, ...DELTA][int(3)];
            const o = await t.shop.orders.create({ customerId: `${t.user}-${n}`, items: [{ productCode: p, name: p, quantity: 1, price: 10 }],
                                                   shippingAddress: ADDRESS, paymentMethod: 'cash' });
            expect.orders.set(o.code, { marker: `${t.user}-${n}`, items: [[p, 1]], till: t });
          } else {
            const d = 1 + int(2);
            await t.shop.inventory.update('PRD-D1', { quantityDelta: d });
            expect.deltas['PRD-D1'] += d;  // a till's command is never lost: it must land once
          }
        } catch (e) {
          log(`${t.user}: ${e.message}`);
        }
        await sleep(10 + int(80));
      }
    };
    const picture = new Map();
    const auditor = async () => {
      let cursor = '';
      let k = 0;
      const page = async () => {
        const r = await once(servers[k++ % servers.length], 'GET', `/sync/pull?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        if (!r || r.status !== 200) return true;
        stats.pulls++;
        for (const item of r.body.items) picture.set(item.sk, item);
        cursor = r.body.cursor;
        return r.body.more;
      };
      while (running) {
        if (!(await page())) await sleep(30 + int(50));
      }
      auditor.finish = async () => { while (await page()) { /* to the end of the feed */ } };
    };
    const killer = async () => {
      while (running) {
        await sleep(500 + int(1000));
        if (!running) break;
        const s = pick();
        await s.stop('SIGKILL');
        stats.kills++;
        await s.restart();
      }
    };
    const audit = auditor();
    const kills = killer();
    await Promise.all([...Array.from({ length: clients }, (_, j) => client(j)), ...tills.map(till)]);
    running = false;
    await kills;
    await audit;

    // ---- drain, judge ------------------------------------------------------------------------
    for (let round = 0; round < 40; round++) {
      let left = 0;
      for (const t of tills) {
        await t.shop.sync().catch(() => {});
        left += (await t.shop.syncStatus()).pending;
      }
      if (left === 0) break;
      await sleep(100);
    }
    await auditor.finish();
    await check({ tills, call, expect, picture, leases, fail });
  } finally {
    for (const t of tills) await t.shop?.close().catch(() => {});
    if (lb) await new Promise((r) => lb.close(r));
    for (const s of servers) await s.close();
    await pg.stop();
  }
  return { failures, stats };
}

async function allPages(call, path) {
  const items = [];
  let cursor;
  do {
    const r = await call('GET', `${path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...r.body.items);
    cursor = r.body.lastSk;
  } while (cursor);
  return items;
}

async function check({ tills, call, expect, picture, leases, fail }) {
  const orders = await allPages(call, '/orders');
  const detail = new Map();
  for (const o of orders) detail.set(o.code, (await call('GET', `/orders/${o.code}`)).body);
  const inventory = {};
  for (const p of PRODUCTS) inventory[p] = (await call('GET', `/inventory/${p}`)).body;

  // Stock: 0 <= reserved <= quantity; reserved = the units of the orders holding a reservation;
  // quantity = initial + restocks - deductions for the delta-only product.
  for (const p of PRODUCTS) {
    const { quantity, reservedQuantity } = inventory[p].attributes;
    if (!(reservedQuantity >= 0 && reservedQuantity <= quantity)) fail(`${p}: reserved ${reservedQuantity} of ${quantity}`);
    const { held, deducted } = unitsOf(detail, p);
    if (held !== reservedQuantity) fail(`${p}: reserved ${reservedQuantity}, but the orders holding stock hold ${held}`);
    if (DELTA.includes(p) && quantity !== INITIAL[p] + expect.deltas[p] - deducted) {
      fail(`${p}: quantity ${quantity}, expected ${INITIAL[p]} + ${expect.deltas[p]} restocked - ${deducted} shipped`);
    }
    if (LAST.includes(p) && held + deducted > INITIAL[p] + expect.deltas[p]) fail(`${p}: ${held + deducted} units sold of ${INITIAL[p] + expect.deltas[p]}`);
  }
  // Orders: unique codes; every acknowledged order listed, as the one acknowledged (its marker).
  const codes = orders.map((o) => o.code);
  if (new Set(codes).size !== codes.length) fail(`duplicate order codes: ${codes.filter((c, k) => codes.indexOf(c) !== k)}`);
  for (const [code, o] of expect.orders) {
    const there = detail.get(code);
    if (!there) fail(`${code} (${o.marker}) was acknowledged but is not listed`);
    else if (there.attributes.customerId !== o.marker) fail(`${code} is ${there.attributes.customerId}'s order, acknowledged to ${o.marker}: replaced`);
  }
  const markers = orders.map((o) => o.attributes.customerId);
  if (new Set(markers).size !== markers.length) fail(`one order placed twice: ${markers.filter((m, k) => markers.indexOf(m) !== k)}`);
  // Tills: nothing left to send, nothing refused unseen.
  for (const t of tills) {
    const s = await t.shop.syncStatus();
    if (s.pending !== 0) fail(`${t.user}: ${s.pending} commands still pending (${s.lastError})`);
  }
  // Leases: no number leased twice.
  const ranges = leases.map((l) => [l.start, l.end]).sort((a, b) => a[0] - b[0]);
  for (let k = 1; k < ranges.length; k++) {
    if (ranges[k][0] <= ranges[k - 1][1]) fail(`leases overlap: ${ranges[k - 1]} and ${ranges[k]}`);
  }
  // The auditor's picture, read in small pages from alternating processes while everything ran,
  // is the server's data: no change was skipped.
  const truth = [...orders, ...Object.values(inventory), ...await allPages(call, '/products')];
  for (const item of truth) {
    const seen = picture.get(item.sk);
    if (!seen) fail(`the auditor never saw ${item.sk}`);
    else if (seen.version !== item.version) fail(`the auditor has ${item.sk} at version ${seen.version}, the server at ${item.version}`);
  }
}
