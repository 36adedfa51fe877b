// Reconciliation under chaos: a seeded random workload of 8 tills (the module in Node, each its
// own fake-indexeddb database and client id) and 3 direct HTTP clients, every one behind its own
// faulty network (fault-proxy.js), against a real edgecart-server that is killed with SIGKILL and
// restarted at random points. At the end the network heals, every till syncs until nothing is
// pending, and the whole system is judged (check()). Used by chaos.test.js (a few seeds, in CI)
// and scripts/chaos.mjs (--seeds N).
import 'fake-indexeddb/auto';

import { openShop } from 'edgecart';

import { startFaultProxy } from './fault-proxy.js';
import { random } from './random.js';
import { startServer, token } from './server.js';

const TENANT = 'chaos';
const DELTA = ['PRD-D1', 'PRD-D2', 'PRD-D3'];   // stock changed by deltas only: its arithmetic is checked
const SET = ['PRD-S1', 'PRD-S2'];               // stock also set with a version: conflicts
const PRODUCTS = [...DELTA, ...SET];
const INITIAL = 6;
const PRICE = 12.5;
const ADDRESS = { street: '1 Chaos St', city: 'Tokyo', postalCode: '100-0001', country: 'JP' };
const NEXT = { pending: 'confirmed', confirmed: 'processing', processing: 'shipped', shipped: 'delivered' };

export { random } from './random.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// JSON with sorted keys, so that equal values compare equal.
function canon(v) {
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])]));
  return v;
}
const same = (a, b) => JSON.stringify(canon(a)) === JSON.stringify(canon(b));

async function allPages(list) {
  const items = [];
  let cursor;
  do {
    const page = await list(cursor);
    items.push(...page.items);
    cursor = page.lastSk;
  } while (cursor);
  return items;
}

/**
 * Runs one seed with `ops` operations; resolves to {failures: [...], history: [...], stats}.
 * Never throws for a broken invariant: the failures say what broke.
 */
export async function runSeed(seed, { ops = 160, tills: tillCount = 8, clients: clientCount = 3 } = {}) {
  const rng = random(seed);
  const int = (n) => Math.floor(rng() * n);
  const chance = (p) => rng() < p;
  const history = [];
  const stats = { kills: 0, sales: 0, httpCalls: 0, reopen: 0, resolved: 0, deviceCodes: 0, returns: 0, drawer: 0 };
  const server = await startServer();
  const admin = (method, path, body) => server.call(TENANT, method, path, body);
  const expect = { orders: new Map(), returns: new Map(), deltas: Object.fromEntries(DELTA.map((p) => [p, 0])), discarded: new Set() };
  const tills = [];
  const clients = [];
  try {
    for (const p of PRODUCTS) {
      await admin('POST', '/products', { code: p, name: `Product ${p}`, categoryCode: 'CHS', sku: p, price: PRICE, currency: 'USD' });
      await admin('PATCH', `/inventory/${p}`, { quantity: INITIAL });
    }

    // ---- the tills and the clients, each behind its own faulty network --------------------
    const openTill = async (t) => {
      t.shop = await openShop({ tenant: TENANT, user: t.user, roles: ['manager'], name: t.name,
                                server: t.remote });
      t.shop.addEventListener('sync', (e) => t.outcomes.set(e.detail.seq, e.detail));
      t.shop.addEventListener('notification', (e) => {
        if (e.detail.type === 'inventory_reservation_failed') t.alerts.add(e.detail.orderId);
      });
    };
    for (let i = 0; i < tillCount; i++) {
      const proxy = await startFaultProxy(server.url, random(seed * 100 + i + 1));
      const t = {
        i, user: `till-${i}`, name: `chaos-${seed}-${i}-${Date.now().toString(36)}`, proxy,
        remote: { url: proxy.url, token: token(server.secret, TENANT, `till-${i}`, ['manager'], 86400), leaseSize: 4, intervalMs: 200 + int(400) },
        outcomes: new Map(), alerts: new Set(), resolved: new Set(), shop: null,
      };
      await openTill(t);
      tills.push(t);
    }
    for (let j = 0; j < clientCount; j++) {
      clients.push({ j, user: `http-${j}`, proxy: await startFaultProxy(server.url, random(seed * 100 + 50 + j)) });
    }
    const setTarget = (url) => { for (const x of [...tills, ...clients]) x.proxy.target = url; };

    // An HTTP call through a client's faulty network, with an idempotency key for writes: retried
    // until an answer arrives, so it is applied exactly once (or refused).
    let keyNo = 0;
    const http = async (c, method, path, body) => {
      const key = `k-${seed}-${c.j}-${keyNo++}`;
      for (let attempt = 0; attempt < 80; attempt++) {
        try {
          const r = await fetch(`${c.proxy.url}${path}`, {
            method, body: body === undefined ? undefined : JSON.stringify(body),
            headers: { authorization: `Bearer ${token(server.secret, TENANT, c.user, ['manager'])}`,
                       'content-type': 'application/json', 'idempotency-key': key },
          });
          const answer = await r.json().catch(() => null);
          if (r.status >= 500 || answer === null) throw new Error(`HTTP ${r.status}`);
          return { status: r.status, body: answer };
        } catch {
          await sleep(50 + int(100));
        }
      }
      throw new Error(`${method} ${path}: no answer after 80 tries`);
    };

    const lines = async (shop) => {
      const chosen = [...PRODUCTS].sort(() => rng() - 0.5).slice(0, 1 + int(3)).sort();
      const out = [];
      for (const p of chosen) {
        let quantity = 1 + int(2);
        if (chance(0.3)) {  // the last units, as this till sees them
          const inv = await shop.inventory.get(p).catch(() => null);
          if (inv) quantity = Math.max(1, inv.attributes.quantity - inv.attributes.reservedQuantity);
        }
        out.push({ productCode: p, name: `Product ${p}`, quantity: Math.min(quantity, 20), price: PRICE });
      }
      return out;
    };
    // The till's open drawer session, as the till sees it (null when its drawer is closed).
    const drawerOf = async (t) => (await t.shop.sessions.list({ till: t.name, status: 'open', limit: 1 })).items[0] ?? null;
    const someOrder = async (shop) => {
      const page = await shop.orders.list({ order: 'desc', limit: 30 });
      return page.items.length ? page.items[int(page.items.length)] : null;
    };

    // ---- the workload -------------------------------------------------------------------
    const OPS = [
      [30, 'sell'], [14, 'advance'], [5, 'cancel'], [9, 'restock'], [10, 'set'], [6, 'resolve'],
      [3, 'reopen'], [10, 'sync'], [10, 'http'], [2, 'kill'], [6, 'wait'], [6, 'return'], [4, 'drawer'],
    ];
    const total = OPS.reduce((s, [w]) => s + w, 0);
    for (let n = 0; n < ops; n++) {
      let x = int(total);
      const op = OPS.find(([w]) => (x -= w) < 0)[1];
      const t = tills[int(tills.length)];
      const shop = t.shop;
      const say = (what) => history.push(`${n}: ${what}`);
      try {
        if (op === 'sell') {
          const items = await lines(shop);
          const drawer = await drawerOf(t);
          const o = await shop.orders.create({ customerId: t.user, items, shippingAddress: ADDRESS, paymentMethod: 'cash',
                                               ...(drawer ? { session: drawer.code } : {}) });
          expect.orders.set(o.code, { by: t.user, till: t, items: items.map((l) => [l.productCode, l.quantity]) });
          stats.sales++;
          if (!/^ORD-\d+$/.test(o.code)) stats.deviceCodes++;
          say(`${t.user} sells ${items.map((l) => `${l.quantity}x${l.productCode}`).join(' ')} -> ${o.code}`);
        } else if (op === 'advance' || op === 'cancel') {
          const o = await someOrder(shop);
          if (!o) continue;
          const to = op === 'cancel' ? 'cancelled' : NEXT[o.attributes.status];
          if (!to) continue;
          const r = await shop.request('PATCH', `/orders/${o.code}/status`, { status: to });
          say(`${t.user} ${o.code} ${o.attributes.status} -> ${to}: ${r.status}`);
        } else if (op === 'return') {
          // Units of a sale this till knows come back (sometimes more than are left: refused).
          const o = await someOrder(shop);
          if (!o || o.attributes.status === 'cancelled') continue;
          const line = o.attributes.items[int(o.attributes.items.length)];
          const left = line.quantity - (line.returnedQuantity ?? 0);
          const quantity = chance(0.15) ? left + 1 : 1 + int(Math.max(1, left));
          const drawer = await drawerOf(t);
          const r = await shop.returns.create({ orderCode: o.code, lines: [{ productCode: line.productCode, quantity, restock: chance(0.7) }],
                                                refundMethod: chance(0.5) ? 'cash' : 'card', ...(drawer ? { session: drawer.code } : {}) });
          expect.returns.set(r.code, { by: t.user, till: t });
          stats.returns++;
          say(`${t.user} returns ${quantity}x${line.productCode} of ${o.code} -> ${r.code}`);
        } else if (op === 'drawer') {
          // Open the till's drawer, move cash in or out, or close it with the cash expected.
          const drawer = await drawerOf(t);
          stats.drawer++;
          if (!drawer) {
            const s = await shop.sessions.open({ till: t.name, float: 100 });
            say(`${t.user} opens drawer ${s.code}`);
          } else if (chance(0.6)) {
            const type = chance(0.5) ? 'in' : 'out';
            await shop.sessions.move(drawer.code, { type, amount: 1 + int(20), reason: 'chaos' });
            say(`${t.user} pays ${type} on ${drawer.code}`);
          } else {
            await shop.sessions.close(drawer.code, { counted: drawer.attributes.expectedCash });
            say(`${t.user} closes ${drawer.code}`);
          }
        } else if (op === 'restock') {
          const p = DELTA[int(DELTA.length)];
          const d = 1 + int(4);
          await shop.inventory.update(p, { quantityDelta: d });
          expect.deltas[p] += d;
          say(`${t.user} restocks ${p} +${d}`);
        } else if (op === 'set') {
          const p = SET[int(SET.length)];
          const inv = await shop.inventory.get(p);
          const q = inv.attributes.reservedQuantity + int(8);
          const r = await shop.request('PATCH', `/inventory/${p}`, { quantity: q, version: inv.version });
          say(`${t.user} sets ${p} = ${q} at version ${inv.version}: ${r.status}`);
        } else if (op === 'resolve') {
          for (const p of await shop.conflicts()) {
            const action = chance(0.5) ? 'retry' : 'discard';
            await shop.resolveConflict(p.seq, action);
            t.resolved.add(p.seq);
            stats.resolved++;
            if (action === 'discard' && p.command?.method === 'POST' && p.command.code) expect.discarded.add(p.command.code);
            say(`${t.user} ${action}s #${p.seq} (${p.outcome} ${p.status}: ${p.body?.message})`);
          }
        } else if (op === 'reopen') {
          const before = { orders: (await shop.orders.list({ limit: 100 })).items.length, stats: shop.stats() };
          await shop.close();
          await openTill(t);
          stats.reopen++;
          const after = { orders: (await t.shop.orders.list({ limit: 100 })).items.length, stats: t.shop.stats() };
          say(`${t.user} closes and reopens${after.orders < before.orders ? ` and LOSES ORDERS: before ${JSON.stringify(before)}, after ${JSON.stringify(after)}` : ''}`);
        } else if (op === 'sync') {
          const e = await shop.sync().then(() => 'ok', (err) => err.status);
          say(`${t.user} syncs: ${e}`);
        } else if (op === 'http') {
          const c = clients[int(clients.length)];
          stats.httpCalls++;
          if (chance(0.5)) {
            const items = await lines(shop);
            const r = await http(c, 'POST', '/orders', { customerId: c.user, items, shippingAddress: ADDRESS, paymentMethod: 'card' });
            if (r.status === 201) expect.orders.set(r.body.code, { by: c.user, till: null, items: items.map((l) => [l.productCode, l.quantity]) });
            say(`${c.user} sells over HTTP -> ${r.status} ${r.body.code ?? r.body.message}`);
          } else {
            const p = DELTA[int(DELTA.length)];
            const d = 1 + int(4);
            const r = await http(c, 'PATCH', `/inventory/${p}`, { quantityDelta: d });
            if (r.status === 200) expect.deltas[p] += d;
            say(`${c.user} restocks ${p} +${d} over HTTP: ${r.status}`);
          }
        } else if (op === 'kill') {
          await server.stop('SIGKILL');
          setTarget(await server.restart());
          stats.kills++;
          say('the server is killed (SIGKILL) and restarted');
        } else {
          await sleep(20 + int(200));
        }
      } catch (e) {
        say(`${t.user} ${op}: ${e.status ?? ''} ${e.message}`);
      }
    }

    // ---- heal, drain, judge -------------------------------------------------------------
    for (const x of [...tills, ...clients]) {
      x.proxy.faults = false;
      x.proxy.offlineUntil = 0;
    }
    for (let round = 0; round < 20; round++) {
      let left = 0;
      for (const t of tills) {
        await t.shop.sync().catch(() => {});
        left += (await t.shop.syncStatus()).pending;
      }
      if (left === 0) break;
    }
    for (const t of tills) await t.shop.sync().catch(() => {});  // everyone pulls everyone's last pushes
    const failures = await check(tills, admin, expect);
    stats.faults = {};
    for (const x of [...tills, ...clients]) for (const l of x.proxy.log) stats.faults[l.fault] = (stats.faults[l.fault] ?? 0) + 1;
    stats.orders = expect.orders.size;
    return { failures, history, stats };
  } finally {
    for (const t of tills) await t.shop?.close().catch(() => {});
    for (const x of [...tills, ...clients]) await x.proxy.close();
    await server.close();
  }
}

/** The units of product `p` that the orders of `detail` (code -> order) hold and have had deducted. */
export function unitsOf(detail, p) {
  let held = 0;
  let deducted = 0;
  for (const o of detail.values()) {
    const units = o.attributes.items.filter((l) => l.productCode === p).reduce((s, l) => s + l.quantity, 0);
    if (o.reservation?.state === 'held') held += units;
    if (o.reservation?.state === 'deducted') deducted += units;
  }
  return { held, deducted };
}

// The judgement of the whole system after the network healed (issue: reconciliation under chaos).
async function check(tills, admin, expect) {
  const failures = [];
  const fail = (what) => failures.push(what);
  const serverOrders = await allPages(async (cursor) => (await admin('GET', `/orders?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body);
  const serverProducts = await allPages(async (cursor) => (await admin('GET', `/products?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body);
  const inventory = {};
  for (const p of PRODUCTS) inventory[p] = (await admin('GET', `/inventory/${p}`)).body;
  const detail = new Map();
  for (const o of serverOrders) detail.set(o.code, (await admin('GET', `/orders/${o.code}`)).body);
  const serverReturns = await allPages(async (cursor) => (await admin('GET', `/returns?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body);
  const serverSessions = await allPages(async (cursor) => (await admin('GET', `/sessions?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body);
  const restocked = (p) => serverReturns.reduce((s, r) => s + r.attributes.lines.filter((l) => l.productCode === p && l.restock)
    .reduce((n, l) => n + l.quantity, 0), 0);

  // Stock: 0 <= reserved <= quantity; reserved = the units of the orders holding a reservation;
  // for delta-only products, quantity = initial + every acknowledged delta + the restocked
  // returns - the units shipped.
  for (const p of PRODUCTS) {
    const { quantity, reservedQuantity } = inventory[p].attributes;
    if (!(reservedQuantity >= 0 && reservedQuantity <= quantity)) fail(`${p}: reserved ${reservedQuantity}, quantity ${quantity}`);
    const { held, deducted } = unitsOf(detail, p);
    if (held !== reservedQuantity) fail(`${p}: reserved ${reservedQuantity}, but the orders holding stock hold ${held}`);
    if (DELTA.includes(p) && quantity !== INITIAL + expect.deltas[p] + restocked(p) - deducted) {
      fail(`${p}: quantity ${quantity}, expected ${INITIAL} + ${expect.deltas[p]} restocked + ${restocked(p)} returned - ${deducted} shipped (a command applied twice or lost?)`);
    }
  }

  // Returns: never more back than sold, and what the order shows is what its returns did; the
  // refunds of an order add up to at most its total. Every acknowledged return is on the server
  // once, or visibly refused in its till.
  const cents = (x) => Math.round((x ?? 0) * 100);
  for (const o of detail.values()) {
    const mine = serverReturns.filter((r) => r.attributes.orderCode === o.code);
    for (const l of o.attributes.items) {
      const back = mine.reduce((s, r) => s + r.attributes.lines.filter((x) => x.productCode === l.productCode).reduce((n, x) => n + x.quantity, 0), 0);
      const shown = o.attributes.items.filter((x) => x.productCode === l.productCode).reduce((n, x) => n + (x.returnedQuantity ?? 0), 0);
      const sold = o.attributes.items.filter((x) => x.productCode === l.productCode).reduce((n, x) => n + x.quantity, 0);
      if (back !== shown || back > sold) fail(`${o.code} ${l.productCode}: sold ${sold}, the order shows ${shown} returned, its returns took ${back}`);
    }
    const refunds = mine.reduce((s, r) => s + cents(r.attributes.refund.amount), 0);
    if (refunds !== cents(o.attributes.refunded) || refunds > cents(o.attributes.total)) {
      fail(`${o.code}: total ${o.attributes.total}, refunded ${o.attributes.refunded ?? 0}, its returns refunded ${refunds / 100}`);
    }
  }
  const returnCodes = serverReturns.map((r) => r.code);
  if (new Set(returnCodes).size !== returnCodes.length) fail('duplicate return codes on the server');
  for (const code of returnCodes) if (!expect.returns.has(code)) fail(`${code} is on the server but nobody was answered it`);

  // Drawers: one open session per till; each session counts exactly the sales and returns that name it.
  const open = new Map();
  for (const s of serverSessions) {
    if (s.attributes.status === 'open') open.set(s.attributes.till, [...(open.get(s.attributes.till) ?? []), s.code]);
    const sales = [...detail.values()].filter((o) => o.attributes.session === s.code).length;
    const rets = serverReturns.filter((r) => r.attributes.session === s.code).length;
    if (s.attributes.salesCount !== sales || s.attributes.returnsCount !== rets) {
      fail(`${s.code}: counts ${s.attributes.salesCount} sales and ${s.attributes.returnsCount} returns; ${sales} and ${rets} name it`);
    }
  }
  for (const [till, codes] of open) if (codes.length > 1) fail(`till ${till} has ${codes.length} open sessions: ${codes}`);

  // Orders: codes unique; every acknowledged order there exactly once with its lines, or visibly
  // refused in its till; nothing nobody acknowledged.
  const codes = serverOrders.map((o) => o.code);
  if (new Set(codes).size !== codes.length) fail(`duplicate order codes on the server: ${codes.filter((c, k) => codes.indexOf(c) !== k)}`);
  const problemsOf = new Map();
  for (const t of tills) problemsOf.set(t, await t.shop.conflicts());
  for (const [code, o] of expect.orders) {
    const there = detail.get(code);
    if (there) {
      const items = there.attributes.items.map((l) => [l.productCode, l.quantity]);
      if (!same(items, o.items)) fail(`${code} by ${o.by}: lines ${JSON.stringify(items)} on the server, ${JSON.stringify(o.items)} sold`);
    } else if (!expect.discarded.has(code) && !(o.till && problemsOf.get(o.till).some((p) => p.command?.code === code))) {
      fail(`${code}, acknowledged to ${o.by}, is not on the server and not among its problems`);
    }
  }
  for (const code of codes) if (!expect.orders.has(code)) fail(`${code} is on the server but nobody was answered it`);
  for (const [code, r] of expect.returns) {
    if (!returnCodes.includes(code) && !expect.discarded.has(code) && !problemsOf.get(r.till).some((p) => p.command?.code === code)) {
      fail(`${code}, acknowledged to ${r.by}, is not on the server and not among its problems`);
    }
  }

  for (const t of tills) {
    const shop = t.shop;
    const status = await shop.syncStatus();
    if (status.pending !== 0) fail(`${t.user}: ${status.pending} commands still pending after the network healed (${status.lastError})`);
    // Every refused or conflicting command is among its problems with a reason, unless resolved.
    const problems = problemsOf.get(t);
    for (const [seq, o] of t.outcomes) {
      if ((o.outcome === 'rejected' || o.outcome === 'conflict') && !t.resolved.has(seq) && !problems.some((p) => p.seq === seq)) {
        fail(`${t.user}: command #${seq} was ${o.outcome} but is not among its problems`);
      }
    }
    for (const p of problems) if (!p.body?.message) fail(`${t.user}: problem #${p.seq} has no reason`);
    // Its copy of every item equals the server's.
    const local = {
      products: await allPages((cursor) => shop.products.list({ limit: 100, cursor })),
      orders: await allPages((cursor) => shop.orders.list({ limit: 100, cursor })),
      returns: await allPages((cursor) => shop.returns.list({ limit: 100, cursor })),
      sessions: await allPages((cursor) => shop.sessions.list({ limit: 100, cursor })),
    };
    if (!same(local.returns, serverReturns)) fail(`${t.user}: its returns differ from the server's (${local.returns.length} here, ${serverReturns.length} there)`);
    if (!same(local.sessions, serverSessions)) fail(`${t.user}: its drawer sessions differ from the server's`);
    if (!same(local.products, serverProducts)) fail(`${t.user}: its products differ from the server's`);
    if (!same(local.orders, serverOrders)) {
      const diff = serverOrders.filter((o, k) => !same(o, local.orders[k])).map((o) => o.code).slice(0, 5);
      fail(`${t.user}: its orders differ from the server's (${local.orders.length} here, ${serverOrders.length} there; first: ${diff})`);
    }
    for (const p of PRODUCTS) {
      const inv = await shop.inventory.get(p);
      if (!same(inv, inventory[p])) {
        // Which orders hold this product's stock here and not there (or the other way round).
        const differ = [];
        for (const o of detail.values()) {
          if (!o.attributes.items.some((l) => l.productCode === p)) continue;
          const here = (await shop.orders.get(o.code).catch(() => null))?.reservation?.state;
          if (here !== o.reservation?.state) differ.push(`${o.code} ${here} here, ${o.reservation?.state} there`);
        }
        fail(`${t.user}: its ${p} stock differs from the server's: here v${inv.version} ${inv.attributes.quantity}/${inv.attributes.reservedQuantity} ` +
             `by ${inv.updatedBy}, there v${inventory[p].version} ${inventory[p].attributes.quantity}/${inventory[p].attributes.reservedQuantity} ` +
             `by ${inventory[p].updatedBy}; reservations that differ: ${differ.join(', ') || 'none'}`);
      }
    }
  }
  // Every stock alert reached the till that sold the order.
  for (const [code, o] of expect.orders) {
    if (o.till && detail.get(code)?.reservation?.state === 'none' && !o.till.alerts.has(code)) {
      fail(`${code}: its reservation failed on the server, but ${o.by} never got the inventory_reservation_failed alert`);
    }
  }
  return failures;
}

/**
 * Runs `seeds` seeds from `from`; a failing seed is shrunk to the shortest prefix of its operations
 * that still fails (the workload of a seed is the same for any length). Resolves to the reports.
 */
export async function runSeeds({ from = 1, seeds = 3, ops = 160, log = console.log } = {}) {
  const reports = [];
  for (let seed = from; seed < from + seeds; seed++) {
    const started = Date.now();
    let r = await runSeed(seed, { ops });
    log(`seed ${seed}: ${ops} operations, ${r.stats.sales} till sales, ${r.stats.returns} returns, ${r.stats.drawer} drawer moves, ${r.stats.httpCalls} HTTP calls, ${r.stats.kills} kills, ` +
        `${r.stats.reopen} reopens, ${r.stats.resolved} resolved, ${r.stats.deviceCodes} device codes; faults ${JSON.stringify(r.stats.faults)}; ` +
        `${r.failures.length ? `FAILED: ${r.failures.length} problems` : 'ok'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    let shortest = { ops, ...r };
    if (r.failures.length) {
      let lo = 1;
      let hi = ops;
      while (lo < hi && reports.length < 100) {
        const mid = Math.floor((lo + hi) / 2);
        r = await runSeed(seed, { ops: mid });
        if (r.failures.length) {
          hi = mid;
          shortest = { ops: mid, ...r };
        } else {
          lo = mid + 1;
        }
      }
      log(`seed ${seed} fails; the shortest history that shows it (${shortest.ops} operations):\n  ${shortest.history.join('\n  ')}\n` +
          `what broke:\n  ${shortest.failures.join('\n  ')}`);
    }
    reports.push({ seed, ...shortest });
  }
  return reports;
}
