// The shared suite in Node, against the built package (npm run build first), with IndexedDB
// from fake-indexeddb; plus what only Node can check cheaply (failing IndexedDB writes).
import 'fake-indexeddb/auto';

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { EdgeCartError, openShop } from 'edgecart';

import { readDatabaseFiles } from './idb-files.js';
import { cases, product, seedOrder, uniqueName } from './suite.js';

// The file names in a shop's IndexedDB database.
const idbKeys = async (db) => Object.keys(await readDatabaseFiles(db)).map((p) => p.split('/').pop());

// Holds the next IndexedDB write transaction of a database that `select` picks open until
// release(): a transaction commits once no request is pending, so one is kept pending.
function holdNextWrite(select) {
  let held = false, released = false;
  const original = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (stores, mode, ...rest) {
    const tx = original.call(this, stores, mode, ...rest);
    if (mode === 'readwrite' && !held && select(this)) {
      held = true;
      const store = tx.objectStore(typeof stores === 'string' ? stores : [...stores][0]);
      const spin = () => { if (!released) store.count().onsuccess = spin; };
      spin();
    }
    return tx;
  };
  return {
    held: () => held,
    release: () => { released = true; IDBDatabase.prototype.transaction = original; },
  };
}

for (const storage of ['indexeddb', 'idbfs', 'memory']) {
  describe(`suite (Node, ${storage})`, () => {
    for (const c of cases({ openShop, EdgeCartError, storage })) test(c.name, c.run);
  });
}

describe('IndexedDB failures (Node)', () => {
  // Makes the next `count` IndexedDB write transactions abort at commit, as a full quota does.
  function failCommits(count) {
    const original = IDBDatabase.prototype.transaction;
    let left = count;
    IDBDatabase.prototype.transaction = function (stores, mode, ...rest) {
      const tx = original.call(this, stores, mode, ...rest);
      if (mode === 'readwrite' && left > 0) {
        left -= 1;
        const abort = () => tx.abort();
        // Abort after the writes were queued, before the commit: the transaction fails whole.
        queueMicrotask(() => queueMicrotask(abort));
      }
      return tx;
    };
    return () => { IDBDatabase.prototype.transaction = original; };
  }

  // Acknowledged means committed: with IndexedDB's commit held open, the write must still be
  // pending; it resolves only once the transaction that saves it has completed. The same rule
  // holds on Emscripten's IDBFS (its FS.syncfs is the save).
  for (const storage of ['indexeddb', 'idbfs']) {
    test(`a write is acknowledged only after its IndexedDB transaction commits (${storage})`, async () => {
      const shop = await openShop({ tenant: 'shop-a', user: 'u', name: uniqueName('held'), storage });
      await shop.products.create(product('PRD-001'));
      const hold = holdNextWrite(() => true);
      try {
        let settled = false;
        const write = shop.inventory.update('PRD-001', { quantity: 5 }).finally(() => { settled = true; });
        await new Promise((r) => setTimeout(r, 200));
        assert.ok(hold.held(), 'the save reached IndexedDB');
        assert.equal(settled, false, 'the write was acknowledged while its IndexedDB commit was still open');
        hold.release();
        assert.equal((await write).attributes.quantity, 5);
      } finally {
        hold.release();
      }
      assert.equal(shop.stats().storage, storage);
      await shop.close();
    });
  }

  // Stock IDBFS finds the files to save by their mtime, in milliseconds: a file written again in
  // the millisecond its last save read it looks unchanged, and that write's save put nothing (the
  // write was acknowledged, then lost at a reload). Every awaited write must reach IndexedDB.
  test('on IDBFS, every acknowledged write is saved, even one in the millisecond of the last save', async () => {
    const name = uniqueName('mtime');
    const shop = await openShop({ tenant: 'shop-a', user: 'u', name, storage: 'idbfs' });
    await shop.products.create(product('PRD-001'));
    const original = IDBDatabase.prototype.transaction;
    let saves = 0;
    IDBDatabase.prototype.transaction = function (stores, mode, ...rest) {
      if (mode === 'readwrite' && this.name === `/edgecart-idbfs/${name}`) saves += 1;
      return original.call(this, stores, mode, ...rest);
    };
    const unsaved = [];
    try {
      for (let i = 1; i <= 100; i++) {
        const before = saves;
        await shop.inventory.update('PRD-001', { quantity: i });
        if (saves === before) unsaved.push(i);
      }
    } finally {
      IDBDatabase.prototype.transaction = original;
    }
    assert.deepEqual(unsaved, [], 'writes acknowledged without an IndexedDB save');
    await shop.close();
    const again = await openShop({ tenant: 'shop-a', user: 'u', name, storage: 'idbfs' });
    assert.equal((await again.inventory.get('PRD-001')).attributes.quantity, 100);
    await again.close();
  });

  // An IDBFS database is not the default storage's database of the same name: neither sees the
  // other's writes, and neither breaks the other (the default storage migrates IDBFS databases
  // named after its own folder, which IDBFS's are not).
  test('an IDBFS database and the default database of one name stay apart', async () => {
    const name = uniqueName('apart');
    const idbfs = await openShop({ tenant: 'shop-a', user: 'u', name, storage: 'idbfs' });
    await idbfs.products.create(product('PRD-IDBFS'));
    await idbfs.close();
    const plain = await openShop({ tenant: 'shop-a', user: 'u', name });
    await plain.products.create(product('PRD-PLAIN'));
    assert.deepEqual((await plain.products.list()).items.map((p) => p.code), ['PRD-PLAIN']);
    await plain.close();
    const again = await openShop({ tenant: 'shop-a', user: 'u', name, storage: 'idbfs' });
    assert.deepEqual((await again.products.list()).items.map((p) => p.code), ['PRD-IDBFS']);
    assert.equal(again.stats().durability, 'relaxed');
    await again.close();
  });

  test('a failed save rejects the write, the store stays usable, and the next save catches up', async () => {
    const name = uniqueName('quota');
    const shop = await openShop({ tenant: 'shop-a', user: 'u', name });
    await shop.products.create(product('PRD-001'));
    await shop.inventory.update('PRD-001', { quantity: 10 });
    const restore = failCommits(1);
    try {
      await assert.rejects(shop.orders.create(seedOrder()), (e) => {
        assert.ok(e instanceof EdgeCartError);
        assert.equal(e.status, 507);
        assert.match(e.message, /^Could not save to IndexedDB: /);
        return true;
      });
    } finally {
      restore();
    }
    // Still usable: the next write saves everything, the earlier order included.
    const second = await shop.orders.create(seedOrder());
    assert.equal(second.code, 'ORD-000002');
    await shop.close();
    const again = await openShop({ tenant: 'shop-a', user: 'u', name });
    assert.deepEqual((await again.orders.list()).items.map((o) => o.code), ['ORD-000001', 'ORD-000002']);
    await again.close();
  });

  test('writes in the same millisecond are all saved (a save does not go by modification times)', async () => {
    const name = uniqueName('same-ms');
    const shop = await openShop({ tenant: 'shop-a', user: 'u', name });
    await shop.products.create(product('PRD-001'));
    await shop.inventory.update('PRD-001', { quantity: 1000 });
    const realNow = Date.now;
    const frozen = realNow();
    Date.now = () => frozen;  // every append lands in the same millisecond
    try {
      for (let i = 0; i < 20; i++) await shop.orders.create(seedOrder());
    } finally {
      Date.now = realNow;
    }
    await shop.close();
    const again = await openShop({ tenant: 'shop-a', user: 'u', name });
    assert.equal((await again.orders.list({ limit: 100 })).items.length, 20);
    await again.close();
  });

  test('compaction archives the audit trail in its own database, which an open never loads', async () => {
    const name = uniqueName('archive');
    const shop = await openShop({ tenant: 'shop-a', user: 'u', name });
    await shop.products.create(product('PRD-001'));
    await shop.inventory.update('PRD-001', { quantity: 1e6 });
    // About 1 MiB of log (the compaction threshold in the browser) takes ~430 orders.
    while (!(await idbKeys(`/edgecart/${name}`)).some((k) => k.startsWith('snap-'))) {
      await Promise.all(Array.from({ length: 250 }, () => shop.orders.create(seedOrder())));
    }
    const total = (await shop.inventory.get('PRD-001')).attributes.reservedQuantity / 2;
    await shop.close();
    const archived = await idbKeys(`/edgecart/${name}.archive`);
    assert.ok(archived.some((k) => /^arc-[0-9a-f]{16}\.eca$/.test(k)), `archive files: ${archived}`);
    assert.ok((await idbKeys(`/edgecart/${name}`)).every((k) => !k.startsWith('arc-')), 'no archive in the state');
    // Reopened and read: the archive's database is not even opened.
    // (Counted as connections and as transactions: a shop keeps its connections open and reuses them.)
    const opened = [];
    const realOpen = indexedDB.open;
    const realTransaction = IDBDatabase.prototype.transaction;
    indexedDB.open = function (db, ...rest) { opened.push(db); return realOpen.call(this, db, ...rest); };
    IDBDatabase.prototype.transaction = function (...args) { opened.push(this.name); return realTransaction.apply(this, args); };
    let again;
    const codes = [];
    try {
      again = await openShop({ tenant: 'shop-a', user: 'u', name });
      let cursor;
      do {
        const page = await again.orders.list({ limit: 100, cursor });
        codes.push(...page.items.map((o) => o.code));
        cursor = page.lastSk;
      } while (cursor);
    } finally {
      indexedDB.open = realOpen;
      IDBDatabase.prototype.transaction = realTransaction;
    }
    assert.ok(opened.includes(`/edgecart/${name}`), `the state was loaded: ${opened}`);
    assert.ok(!opened.includes(`/edgecart/${name}.archive`), `the archive database was opened at open: ${opened}`);
    assert.equal(codes.length, total);
    assert.equal((await again.orders.create(seedOrder())).code, `ORD-${String(total + 1).padStart(6, '0')}`);
    await again.close();
    // A save after reopening did not delete the archive it never loaded.
    assert.deepEqual((await idbKeys(`/edgecart/${name}.archive`)).filter((k) => k.startsWith('arc-')), archived.filter((k) => k.startsWith('arc-')));
  });

  // A compaction's save writes the archive before the state that drops the segments holding its
  // rows: while the archive's IndexedDB commit is held open, the state in IndexedDB has no new
  // snapshot yet (saved the other way round, a failed archive save would lose the audit trail).
  test('a compaction saves the archive before the state', async () => {
    const name = uniqueName('order');
    const shop = await openShop({ tenant: 'shop-a', user: 'u', name });
    await shop.products.create(product('PRD-001'));
    await shop.inventory.update('PRD-001', { quantity: 1e6 });
    const hold = holdNextWrite((db) => db.name === `/edgecart/${name}.archive`);
    try {
      while (!hold.held()) {
        let done = false;
        const batch = Promise.all(Array.from({ length: 250 }, () => shop.orders.create(seedOrder())))
          .finally(() => { done = true; });
        // Until the batch is saved, or its save reaches the archive (and waits there).
        while (!done && !hold.held()) await new Promise((r) => setTimeout(r, 20));
        if (hold.held()) {
          const keys = await idbKeys(`/edgecart/${name}`);
          hold.release();
          assert.ok(!keys.some((k) => k.startsWith('snap-')), `the state was saved before the archive: ${keys}`);
        }
        await batch;
      }
      assert.ok((await idbKeys(`/edgecart/${name}`)).some((k) => k.startsWith('snap-')), 'then the state');
    } finally {
      hold.release();
    }
    await shop.close();
  });

  test('two shops on one database in one process share one store', async () => {
    const name = uniqueName('shared');
    const a = await openShop({ tenant: 'shop-a', user: 'u', name });
    const b = await openShop({ tenant: 'shop-a', user: 'v', name });
    const seen = [];
    a.addEventListener('change', (e) => seen.push(e.detail.sk));
    await b.products.create(product('PRD-001'));
    assert.equal((await a.products.get('PRD-001')).createdBy, 'v');
    assert.deepEqual(seen, ['PRODUCT#PRD-001']);
    await a.close();
    assert.equal((await b.products.list()).items.length, 1, 'b keeps working after a closes');
    await b.close();
  });
});

test('the module leaves the host process alone: no process handlers added, an app rejection stays the app\'s', async () => {
  const before = ['uncaughtException', 'unhandledRejection'].map((e) => process.listenerCount(e));
  const shops = [];
  for (let i = 0; i < 12; i++) shops.push(await openShop({ tenant: 'proc', user: 'u', storage: 'memory', name: uniqueName('proc') }));
  assert.deepEqual(['uncaughtException', 'unhandledRejection'].map((e) => process.listenerCount(e)), before);
  for (const s of shops) await s.close();
});

// The generated loader given a module compiled elsewhere (module.ts `instantiate`, which both
// package entries use). A compile that failed, or an instance that cannot be made (a module of
// another build), rejects the open with its own error instead of leaving it waiting for ever, and
// leaves nothing that keeps the process alive: the failures run in a child process of their own,
// which must exit. (Under -sASSERTIONS a loader left waiting runs a watcher every 10 s for ever,
// which once held CI's Node suite until its time ran out.) A compiled module gives a working instance.
test('a module compiled elsewhere is instantiated by the loader; a failed compile or instance rejects and lets the process exit', { timeout: 60_000 }, async () => {
  const { execFile } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const child = `
    import { instantiate } from './dist/module.js';
    import { createRequire } from 'node:module';
    const create = createRequire(import.meta.url)('./dist/edgecart.cjs');
    const outcome = (p) => p.then(() => 'resolved', (e) => (e instanceof Error ? e.name + ': ' + e.message : String(e)));
    // Each loader the factory makes runs preInit; abort() calls onAbort.
    let loaders = 0, aborted = 0;
    const settings = { printErr() {}, preInit: () => { loaders++; }, onAbort: () => { aborted++; } };
    const broken = new Error('the .wasm could not be fetched');
    const compile = await outcome(instantiate(create, settings, Promise.reject(broken)));
    const afterCompile = { loaders, aborted };
    // A valid module importing x.y, which the loader does not provide.
    const foreign = new WebAssembly.Module(Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0,
      1, 4, 1, 0x60, 0, 0, 2, 7, 1, 1, 120, 1, 121, 0, 0));
    const instance = await outcome(instantiate(create, settings, Promise.resolve(foreign)));
    console.log(JSON.stringify({ compile, afterCompile, instance, loaders, aborted }));`;
  const started = Date.now();
  const { stdout, exited } = await new Promise((resolve) => {
    const p = execFile(process.execPath, ['--input-type=module', '-e', child],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), timeout: 45_000 },
      (error, out) => resolve({ stdout: out, exited: !error }));
    p.stderr.resume();
  });
  assert.ok(exited, `the process whose opens failed exits (it was ended after ${Date.now() - started} ms)`);
  const outcomes = JSON.parse(stdout.trim().split('\n').at(-1));
  assert.equal(outcomes.compile, 'Error: the .wasm could not be fetched', 'a failed compile rejects with its own error');
  assert.deepEqual(outcomes.afterCompile, { loaders: 0, aborted: 0 }, 'and makes no loader');
  assert.notEqual(outcomes.instance, 'resolved');
  // Its own error (V8's TypeError naming the import), not the loader's abort (a RuntimeError "Aborted(...)").
  assert.match(outcomes.instance, /^TypeError: .*Import #0\b.*"x"/, 'an instance that cannot be made rejects with its own error');
  assert.deepEqual({ loaders: outcomes.loaders, aborted: outcomes.aborted }, { loaders: 1, aborted: 1 },
    'and its loader is ended');

  const { instantiate } = await import('../dist/module.js');
  const { createRequire } = await import('node:module');
  const { readFile } = await import('node:fs/promises');
  const create = createRequire(import.meta.url)('../dist/edgecart.cjs');
  const compiled = WebAssembly.compile(await readFile(new URL('../dist/edgecart.wasm', import.meta.url)));
  const module = await instantiate(create, {}, compiled);
  const handle = new module.ShopHandle();
  assert.equal(handle.open('', '', ''), '', 'an in-memory store opens');
  handle.delete();
});

test('a closed write queue refuses new work, saves what it had, and starts no save after it', async () => {
  const { WriteQueue } = await import('../dist/persist.js');
  const releases = [];
  const q = new WriteQueue(() => new Promise((resolve) => releases.push(resolve)));
  const tick = () => new Promise((r) => setImmediate(r));
  const first = q.submit(() => true);
  await tick();
  assert.equal(releases.length, 1, 'the first save runs');
  const queued = q.submit(() => true);  // arrives during that save: the next save covers it
  const closing = q.close();
  await assert.rejects(q.submit(() => true), (e) => e instanceof EdgeCartError && e.status === 503);
  releases[0]();
  await first;
  await tick();
  assert.equal(releases.length, 2, 'the work submitted before close is saved');
  releases[1]();
  await queued;
  await closing;
  await tick();
  assert.equal(releases.length, 2, 'and nothing is saved after close');
});
