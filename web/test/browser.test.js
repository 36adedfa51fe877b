// The package in real headless Chromium (Debian's chromium, driven by playwright-core), pages
// served on 127.0.0.1: the shared suite, durability across reloads and browser restarts, two
// pages on one database, and the log read back by the native `edgecart` tool.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';
import { serve } from './serve.js';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(web, '..', 'build', 'release', 'cli', 'edgecart');

let server;
before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
  assert.ok(existsSync(join(web, 'dist', 'edgecart.wasm')), 'run `npm run build` first');
  server = await serve(web);
});
after(() => server?.close());

function launch(profile) {
  return chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

async function openPage(context) {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(`${server.url}/test/page.html`);
  await page.waitForFunction(() => window.ready === true);
  return page;
}

function tempProfile() {
  return mkdtempSync(join(tmpdir(), 'edgecart-chromium-'));
}

describe('suite (Chromium)', () => {
  let context;
  let page;
  let profile;
  before(async () => {
    profile = tempProfile();
    context = await launch(profile);
    page = await openPage(context);
  });
  after(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  for (const storage of ['indexeddb', 'idbfs', 'memory']) {
    test(`every case, ${storage}`, async (t) => {
      const names = await page.evaluate((s) => window.caseNames(s), storage);
      assert.ok(names.length >= 8);
      for (let i = 0; i < names.length; i++) {
        await t.test(names[i], async () => {
          const r = await page.evaluate(([s, n]) => window.runCase(s, n), [storage, i]);
          assert.ok(r.ok, r.error);
        });
      }
    });
  }
});

describe('durability (Chromium)', () => {
  // Acknowledged means committed: each acknowledgement is reported out of the page the moment it
  // happens, then the renderer is crashed in the middle of four writers (no close(), no unload,
  // no flush), and a new page must find every acknowledged order.
  test('every acknowledged write survives a renderer crash in the middle of writing', async () => {
    const profile = tempProfile();
    const context = await launch(profile);
    try {
      const page = await openPage(context);
      const acked = [];
      await page.exposeFunction('ack', (code) => { acked.push(code); });
      let crashed = false;
      page.on('crash', () => { crashed = true; });
      await page.evaluate(async () => {
        const { openShop, product, seedOrder } = window.edgecart;
        const shop = await openShop({ tenant: 'shop-a', user: 'till-1', name: 'crash' });
        await shop.products.create(product('PRD-001'));
        await shop.inventory.update('PRD-001', { quantity: 100000 });
        // Four writers at once, never awaited by the test: the crash cuts them off.
        for (let w = 0; w < 4; w++) {
          (async () => {
            for (;;) window.ack((await shop.orders.create(seedOrder())).code);
          })();
        }
      });
      const deadline = Date.now() + 30000;
      while (acked.length < 40) {
        assert.ok(Date.now() < deadline, 'the writers did not get going');
        await new Promise((r) => setTimeout(r, 10));
      }
      const cdp = await context.newCDPSession(page);
      void cdp.send('Page.crash').catch(() => {});  // the renderer dies at once (no answer comes)
      const until = Date.now() + 10000;
      while (!crashed && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.ok(crashed, 'the renderer crashed');
      const seen = [...acked];
      const fresh = await openPage(context);
      const stored = await fresh.evaluate(async () => {
        const shop = await window.edgecart.openShop({ tenant: 'shop-a', user: 'till-1', name: 'crash' });
        const codes = [];
        let cursor;
        do {
          const p = await shop.orders.list({ limit: 100, cursor });
          codes.push(...p.items.map((o) => o.code));
          cursor = p.lastSk;
        } while (cursor);
        const inv = await shop.inventory.get('PRD-001');
        await shop.close();
        return { codes, reserved: inv.attributes.reservedQuantity };
      });
      const missing = seen.filter((c) => !stored.codes.includes(c));
      assert.deepEqual(missing, [], `acknowledged but lost: ${missing.join(', ')}`);
      assert.ok(stored.codes.length >= seen.length);
      assert.equal(stored.reserved, 2 * stored.codes.length, 'every stored order holds its reservation');
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  test('a browser restart with the same profile finds everything, and the native tool reads the log', async () => {
    const profile = tempProfile();
    let context = await launch(profile);
    try {
      let page = await openPage(context);
      const codes = await page.evaluate(async () => {
        const { openShop, product, seedOrder } = window.edgecart;
        const shop = await openShop({ tenant: 'shop-a', user: 'till-1', name: 'restart' });
        await shop.products.create(product('PRD-001'));
        await shop.inventory.update('PRD-001', { quantity: 1000 });
        const out = [];
        for (let i = 0; i < 50; i++) out.push((await shop.orders.create(seedOrder())).code);
        await shop.orders.updateStatus(out[0], 'cancelled');
        await shop.close();
        return out;
      });
      await context.close();
      context = await launch(profile);
      page = await openPage(context);
      const after = await page.evaluate(async () => {
        const shop = await window.edgecart.openShop({ tenant: 'shop-a', user: 'till-1', name: 'restart' });
        const p = await shop.orders.list({ limit: 100 });
        const inv = await shop.inventory.get('PRD-001');
        await shop.close();
        return { codes: p.items.map((o) => o.code), reserved: inv.attributes.reservedQuantity };
      });
      assert.deepEqual(after.codes, codes);
      assert.equal(after.reserved, 98);

      // The same files, exported from IndexedDB, are a valid store for the native host.
      assert.ok(existsSync(cli), `native CLI missing at ${cli} (build the release preset first)`);
      const files = await page.evaluate((n) => window.exportDatabase(n), 'restart');
      const dir = mkdtempSync(join(tmpdir(), 'edgecart-export-'));
      try {
        assert.ok(Object.keys(files).length >= 1);
        for (const [path, b64] of Object.entries(files)) writeFileSync(join(dir, basename(path)), Buffer.from(b64, 'base64'));
        const report = JSON.parse(execFileSync(cli, ['--data', dir, 'verify'], { encoding: 'utf8' }));
        assert.equal(report.ok, true, JSON.stringify(report));
        assert.equal(report.records, 53, 'product + inventory + 50 orders + 1 cancellation');
        const answer = JSON.parse(execFileSync(cli, ['--data', dir, '--tenant', 'shop-a', 'request', 'GET', '/orders?limit=100'], { encoding: 'utf8' }));
        assert.deepEqual(answer.body.items.map((o) => o.code), codes);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});

// Two pages on one database: the first is the writer, the second follows it.
async function twoTabs(context, name) {
  const [a, b] = [await openPage(context), await openPage(context)];
  const open = (page, user) => page.evaluate(async ([u, n]) => {
    window.shop = await window.edgecart.openShop({ tenant: 'shop-a', user: u, name: n });
    return window.shop.role();
  }, [user, name]);
  assert.equal(await open(a, 'till-a'), 'writer');
  assert.equal(await open(b, 'till-b'), 'follower');
  return [a, b];
}

describe('two pages on one database (Chromium)', () => {
  // The writer dies holding a follower's write: the write may or may not have been saved, so the
  // follower must refuse it with 503 (read it back, then decide), never run it a second time.
  test("a follower's write whose answer was lost with the writer is refused with 503, not replayed", async () => {
    const profile = tempProfile();
    const context = await launch(profile);
    try {
      const [a, b] = await twoTabs(context, 'lost-answer');
      await a.evaluate(async () => {
        await window.shop.products.create(window.edgecart.product('PRD-001'));
        await window.shop.inventory.update('PRD-001', { quantity: 10 });
        // From now on the writer's saves never finish: each IndexedDB write is held open.
        const original = IDBDatabase.prototype.transaction;
        IDBDatabase.prototype.transaction = function (stores, mode, ...rest) {
          const tx = original.call(this, stores, mode, ...rest);
          if (mode === 'readwrite') {
            window.heldSave = true;
            const store = tx.objectStore(typeof stores === 'string' ? stores : [...stores][0]);
            const spin = () => { store.count().onsuccess = spin; };
            spin();
          }
          return tx;
        };
      });
      await b.evaluate(() => {
        window.lost = window.shop.orders.create(window.edgecart.seedOrder())
          .then((o) => ({ code: o.code }), (e) => ({ status: e.status, message: e.message }));
      });
      await a.waitForFunction(() => window.heldSave === true);  // the writer ran it; its save hangs
      await a.close();
      await b.waitForFunction(() => window.shop.role() === 'writer');
      const outcome = await b.evaluate(() => window.lost);
      assert.equal(outcome.status, 503, JSON.stringify(outcome));
      assert.match(outcome.message, /may or may not have been saved/);
      const stored = await b.evaluate(async () => (await window.shop.orders.list({ limit: 100 })).items.map((o) => o.code));
      assert.deepEqual(stored, [], 'the writer never saved it, and the follower did not run it again');
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  test('one writer, the other follows: concurrent writes from both, nothing lost or doubled', async () => {
    const profile = tempProfile();
    const context = await launch(profile);
    try {
      const [a, b] = await twoTabs(context, 'tabs');
      await a.evaluate(async () => {
        await window.shop.products.create(window.edgecart.product('PRD-001'));
        await window.shop.inventory.update('PRD-001', { quantity: 1000 });
      });
      const sell = (page) => page.evaluate(() => Promise.all(Array.from({ length: 40 },
          () => window.shop.orders.create(window.edgecart.seedOrder()).then((o) => o.code))));
      const [fromA, fromB] = await Promise.all([sell(a), sell(b)]);
      const all = [...fromA, ...fromB];
      assert.equal(new Set(all).size, 80, 'distinct codes');
      const seenByB = await b.evaluate(async () => {
        const p = await window.shop.orders.list({ limit: 100 });
        const inv = await window.shop.inventory.get('PRD-001');
        return { n: p.items.length, reserved: inv.attributes.reservedQuantity };
      });
      assert.deepEqual(seenByB, { n: 80, reserved: 160 });

      // The writer goes away: the follower takes over with everything.
      await a.close();
      await b.waitForFunction(() => window.shop.role() === 'writer');
      const afterTakeover = await b.evaluate(async () => {
        const o = await window.shop.orders.create(window.edgecart.seedOrder());
        const p = await window.shop.orders.list({ limit: 100 });
        return { code: o.code, n: p.items.length };
      });
      assert.deepEqual(afterTakeover, { code: 'ORD-000081', n: 81 });
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});

describe('the production API in Chromium', () => {
  test('a live query in one tab fires after a write in another', async () => {
    const profile = tempProfile();
    const context = await launch(profile);
    try {
      const [a, b] = await twoTabs(context, 'watch-tabs');
      await a.evaluate(async () => {
        await window.shop.products.create(window.edgecart.product('PRD-001'));
        await window.shop.inventory.update('PRD-001', { quantity: 10 });
      });
      await b.evaluate(() => {
        window.pages = [];
        window.stop = window.shop.orders.watch({ order: 'desc' }, (p) => window.pages.push(p.items.map((o) => o.code)));
      });
      await b.waitForFunction(() => window.pages.length === 1);
      const code = await a.evaluate(async () => (await window.shop.orders.create(window.edgecart.seedOrder())).code);
      await b.waitForFunction(() => window.pages.length === 2, null, { timeout: 10_000 });
      assert.deepEqual(await b.evaluate(() => window.pages), [[], [code]], 'the follower tab saw the writer tab\'s order');
      // And the other way: a follower's write reaches the writer's watch.
      await a.evaluate(() => {
        window.pages = [];
        window.shop.orders.watch({}, (p) => window.pages.push(p.items.length));
      });
      await a.waitForFunction(() => window.pages.length === 1);
      await b.evaluate(async () => window.shop.orders.create(window.edgecart.seedOrder()));
      await a.waitForFunction(() => window.pages.length === 2, null, { timeout: 10_000 });
      assert.deepEqual(await a.evaluate(() => window.pages), [1, 2]);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  test('a page on another origin calls the server after a CORS preflight; an origin not allowed cannot', async () => {
    const { startServer, token } = await import('./server.js');
    const api = await startServer({ args: ['--cors-origin', server.url] });
    const profile = tempProfile();
    const context = await launch(profile);
    try {
      const page = await openPage(context);
      const call = (url, bearer) => page.evaluate(async ([u, t]) => {
        try {
          const r = await fetch(`${u}/products`, {
            method: 'POST',
            headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json', 'idempotency-key': 'cors-1' },
            body: JSON.stringify(window.edgecart.product('PRD-CORS')),
          });
          return { status: r.status, code: (await r.json()).code ?? null, replayed: r.headers.get('idempotent-replayed') };
        } catch (e) {
          return { error: String(e) };
        }
      }, [url, bearer]);
      const bearer = token(api.secret, 'cors-shop');
      assert.deepEqual(await call(api.url, bearer), { status: 201, code: 'PRD-CORS', replayed: null });
      const log = api.accessLog().map((l) => `${l.method} ${l.path} ${l.status}`);
      assert.deepEqual(log.slice(0, 2), ['OPTIONS /products 204', 'POST /products 201'], 'a preflight, then the call');
      assert.deepEqual(await call(api.url, bearer), { status: 201, code: 'PRD-CORS', replayed: 'true' },
                       'the idempotent replay header is readable cross-origin');
      const refused = await call(api.url, token(api.secret, 'cors-shop', 'cust', []));
      assert.deepEqual(refused, { status: 403, code: 'FORBIDDEN', replayed: null }, 'errors carry the CORS headers too');
      // A server that does not allow this page's origin: the browser refuses to let it read.
      const closed = await startServer();
      try {
        const blocked = await call(closed.url, token(closed.secret, 'cors-shop'));
        assert.match(blocked.error ?? '', /Failed to fetch/);
      } finally {
        await closed.close();
      }
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      await api.close();
    }
  });
});

// Chromium's IndexedDB takes a durability per transaction (plain IndexedDB defaults to relaxed):
// the saves of a shop commit strict unless it asks for relaxed, as the transactions themselves say.
test('saves commit with the durability the shop asked for (Chromium)', async () => {
  const profile = tempProfile();
  const context = await launch(profile);
  try {
    const page = await openPage(context);
    const seen = await page.evaluate(async () => {
      const seen = {};
      const original = IDBDatabase.prototype.transaction;
      IDBDatabase.prototype.transaction = function (...args) {
        const tx = original.apply(this, args);
        if (tx.mode === 'readwrite') (seen[this.name] ??= []).push(tx.durability);
        return tx;
      };
      for (const [name, durability] of [['durability-default', undefined], ['durability-relaxed', 'relaxed']]) {
        const shop = await window.edgecart.openShop({ tenant: 'shop-a', user: 'u', name, durability });
        await shop.products.create(window.edgecart.product('PRD-001'));
        await shop.close();
      }
      IDBDatabase.prototype.transaction = original;
      return seen;
    });
    assert.deepEqual([...new Set(seen['/edgecart/durability-default'])], ['strict'], JSON.stringify(seen));
    assert.deepEqual([...new Set(seen['/edgecart/durability-relaxed'])], ['relaxed'], JSON.stringify(seen));
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
