// The store in IndexedDB, in Node (fake-indexeddb), against the built package: the layout of
// web/src/idbfiles.ts (what a save writes, durability, migration from IDBFS, damage, close,
// another connection's upgrade) and retention (docs/design.md §6).
import 'fake-indexeddb/auto';

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { EdgeCartError, openShop } from 'edgecart';

import { readDatabaseFiles as idbFiles } from './idb-files.js';
import { product, seedOrder, uniqueName } from './suite.js';

// Runs `fn` against a fresh IndexedDB connection to `db` (created at `version` by `upgrade`).
function withDatabase(db, version, upgrade, fn = () => {}) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(db, version);
    open.onupgradeneeded = () => upgrade(open.result, open.transaction);
    open.onerror = () => reject(open.error);
    open.onsuccess = async () => {
      try {
        resolve(await fn(open.result));
      } catch (e) {
        reject(e);
      } finally {
        open.result.close();
      }
    };
  });
}

// Counts reads of one chunk file's pieces (what the shop's on-demand load asks IndexedDB for).
function countChunkReads() {
  const original = IDBObjectStore.prototype.getAll;
  const reads = { count: 0, restore: () => { IDBObjectStore.prototype.getAll = original; } };
  IDBObjectStore.prototype.getAll = function (range, ...rest) {
    const lower = range?.lower;
    if (Array.isArray(lower) && String(lower[0]).startsWith('chk-') && range.upper?.[0] === lower[0]) reads.count++;
    return original.call(this, range, ...rest);
  };
  return reads;
}

describe('the IndexedDB layout (Node)', () => {
  // Counts what every put into IndexedDB carries, per database.
  function countPuts() {
    const original = IDBObjectStore.prototype.put;
    const bytes = new Map();
    IDBObjectStore.prototype.put = function (value, key) {
      const db = this.transaction.db.name;
      // Pieces are bytes; an IDBFS record was {timestamp, mode, contents}.
      bytes.set(db, (bytes.get(db) ?? 0) + (value instanceof Uint8Array ? value.byteLength : value?.contents?.byteLength ?? 0));
      return original.call(this, value, key);
    };
    return { bytes: (db) => bytes.get(db) ?? 0, restore: () => { IDBObjectStore.prototype.put = original; } };
  }

  // A save puts the bytes the commit appended to the log and nothing else: not the whole active
  // segment (Emscripten's IDBFS rewrote up to 16 KiB per order), and not more in a big store.
  test('a save writes only the new log bytes, whatever the size of the store', async () => {
    const name = uniqueName('bytes');
    const shop = await openShop({ tenant: 'shop-a', user: 'u', name });
    await shop.products.create(product('PRD-001'));
    await shop.inventory.update('PRD-001', { quantity: 1e6 });
    for (let i = 0; i < 600; i += 100) await Promise.all(Array.from({ length: 100 }, () => shop.orders.create(seedOrder())));
    const puts = countPuts();
    const db = `/edgecart/${name}`;
    let measured = 0;
    try {
      for (let i = 0; i < 100; i++) {
        const before = shop.stats();
        const put = puts.bytes(db) + puts.bytes(`${db}.archive`);
        await shop.orders.create(seedOrder());
        const after = shop.stats();
        const wrote = puts.bytes(db) + puts.bytes(`${db}.archive`) - put;
        if (after.compactions !== before.compactions) continue;  // a compaction's save: chunks and archive
        const appended = after.logBytesSinceSnapshot - before.logBytesSinceSnapshot;
        assert.ok(appended > 0 && appended < 8192, `one order appends ${appended} bytes`);
        // At most a new segment's 8-byte header beyond the record itself.
        assert.ok(wrote <= appended + 8, `order ${i}: ${wrote} bytes put into IndexedDB for a ${appended}-byte record`);
        assert.equal(after.savedBytes - before.savedBytes, wrote, 'the statistics count what was put');
        measured++;
      }
    } finally {
      puts.restore();
    }
    assert.ok(measured >= 90, `${measured} saves measured`);
    await shop.close();
    // Reopened, the active segment is written through a new file handle (O_APPEND): the first
    // save appends as well.
    const again = await openShop({ tenant: 'shop-a', user: 'u', name });
    assert.equal((await again.inventory.get('PRD-001')).attributes.reservedQuantity, 1400, 'every order is there after a reopen');
    const reopened = countPuts();
    try {
      const before = again.stats();
      await again.orders.create(seedOrder());
      const appended = again.stats().logBytesSinceSnapshot - before.logBytesSinceSnapshot;
      assert.ok(reopened.bytes(db) <= appended + 8, `the first save after a reopen put ${reopened.bytes(db)} bytes for a ${appended}-byte record`);
    } finally {
      reopened.restore();
    }
    await again.close();
  });

  // The snapshot's chunks are read only when a store opens: once saved (or loaded) their bytes
  // live in IndexedDB only, not in the module's file system too; the next open reads them there.
  test('the snapshot is kept in IndexedDB, not twice in memory, and the next open reads it whole', async () => {
    const name = uniqueName('sealed');
    let shop = await openShop({ tenant: 'shop-a', user: 'u', name });
    await shop.products.create(product('PRD-001'));
    await shop.inventory.update('PRD-001', { quantity: 1e6 });
    // 900 orders: about 1.3 MB of log (1,422 bytes an order in format 004), past the 1 MiB that compacts.
    for (let i = 0; i < 900; i += 100) await Promise.all(Array.from({ length: 100 }, () => shop.orders.create(seedOrder())));
    const written = shop.stats();
    assert.ok(written.compactions >= 1 && written.snapshotBytes > 100_000, `a snapshot was written: ${JSON.stringify(written)}`);
    // In memory: the log written since the snapshot and the snapshot's small manifest, no chunk.
    const held = (s) => s.fileBytesInMemory - s.logBytesSinceSnapshot;
    assert.ok(held(written) >= 0 && held(written) < 16_384,
      `${written.fileBytesInMemory} bytes of files in memory, ${written.logBytesSinceSnapshot} of them log, beside a snapshot of ${written.snapshotBytes}`);
    const orders = (await shop.orders.list({ limit: 100, order: 'desc' })).items.length;
    await shop.close();
    shop = await openShop({ tenant: 'shop-a', user: 'u', name });
    const opened = shop.stats();
    assert.ok(held(opened) >= 0 && held(opened) < 16_384, `nor after an open: ${JSON.stringify(opened)}`);
    assert.equal((await shop.orders.list({ limit: 100, order: 'desc' })).items.length, orders);
    assert.equal((await shop.orders.get('ORD-000900')).code, 'ORD-000900');
    assert.equal((await shop.inventory.get('PRD-001')).attributes.reservedQuantity, 1800);  // 2 units an order
    await shop.close();
  });

  // A chunk is read when a read first needs a row of it (docs/storage-format.md): a reopened
  // store holds its unread chunks as the files IndexedDB gave, and drops each one's bytes once
  // the module has read it, so no chunk is ever held twice.
  test('a reopened store loads each chunk from IndexedDB when a call first needs it, and runs the call again', async () => {
    const name = uniqueName('lazy');
    let shop = await openShop({ tenant: 'shop-a', user: 'u', name });
    const code = (i) => `PRD-${String(i).padStart(5, '0')}`;
    const lines = Array.from({ length: 4000 }, (_, i) => JSON.stringify({
      code: code(i), name: `Product number ${i} of the lazy shop`, categoryCode: `CAT-${i % 20}`,
      sku: String(4900000000000 + i), price: 10 + (i % 90), currency: 'USD', quantity: 5 }));
    const report = await shop.products.import(lines.join('\n'), 'jsonl');
    assert.equal(report.created, 4000);
    assert.ok(shop.stats().compactions >= 1, 'the import compacted the log');
    await shop.close();
    const reads = countChunkReads();
    try {
      shop = await openShop({ tenant: 'shop-a', user: 'u', name });
      const opened = shop.stats();
      assert.ok(opened.snapshotChunks >= 4, `a snapshot of several chunks: ${JSON.stringify(opened)}`);
      // The store's open loads none; the shop's asks whether the store syncs (one row, one chunk).
      assert.ok(opened.chunksNotLoaded >= opened.snapshotChunks - 1,
        `${opened.snapshotChunks - opened.chunksNotLoaded} of ${opened.snapshotChunks} chunks loaded by the open`);
      assert.equal(reads.count, opened.snapshotChunks - opened.chunksNotLoaded, 'each loaded chunk read once from IndexedDB');
      assert.ok(opened.fileBytesInMemory < opened.snapshotBytes / 4,
        `${opened.fileBytesInMemory} bytes held as files, of a ${opened.snapshotBytes}-byte snapshot`);

      // A read needs one chunk: the call asks for it, it is loaded, the call runs again.
      assert.equal((await shop.products.get(code(3999))).name, 'Product number 3999 of the lazy shop');
      // It loads the chunk the read needs and up to 3 after it (a scan's next); the one it read
      // leaves memory, the others stay until a read needs them.
      const one = shop.stats();
      const loaded = opened.chunksNotLoaded - one.chunksNotLoaded;
      assert.ok(loaded >= 1 && loaded <= 4, `only what the read needed and the look-ahead: ${opened.chunksNotLoaded} -> ${one.chunksNotLoaded} not loaded`);
      assert.equal(one.chunksHeld, opened.chunksHeld + loaded - 1, 'the chunk it read left memory once the core read it');

      // A write in a range not loaded: refused once, unwritten, then run again with its chunk.
      const lsn = one.lastLsn;
      const stock = await shop.inventory.update(code(2000), { quantity: 42 });
      assert.equal(stock.attributes.quantity, 42);
      assert.equal(shop.stats().lastLsn, lsn + 1, 'one commit: the first run wrote nothing');

      let count = 0;
      let cursor;
      do {
        const page = await shop.products.list({ limit: 100, ...(cursor ? { cursor } : {}) });
        count += page.items.length;
        cursor = page.lastSk;
      } while (cursor);
      assert.equal(count, 4000, 'every product reads back');
      const listed = shop.stats();
      assert.ok(listed.chunksNotLoaded > 0 && listed.chunksNotLoaded < one.chunksNotLoaded,
        `the products' chunks were loaded, not the others: ${one.chunksNotLoaded} -> ${listed.chunksNotLoaded}`);
      await shop.close();
      shop = await openShop({ tenant: 'shop-a', user: 'u', name });
      // The log since the snapshot holds that write: its chunk came with the log, listed by the
      // hint the last save left (the replay itself reads no chunk).
      const reopened = shop.stats().openChunks;
      assert.ok(reopened.ahead >= 1, `the open's chunks: ${JSON.stringify(reopened)}`);
      assert.equal((await shop.inventory.get(code(2000))).attributes.quantity, 42, 'the write was saved');
      await shop.close();
    } finally {
      reads.restore();
    }
  });

  test('a chunk gone from IndexedDB fails the calls that need it, clearly, and the rest works', async () => {
    const name = uniqueName('lazy-gone');
    let shop = await openShop({ tenant: 'shop-a', user: 'u', name });
    const code = (i) => `PRD-${String(i).padStart(5, '0')}`;
    const lines = Array.from({ length: 4000 }, (_, i) => JSON.stringify({
      code: code(i), name: `Product ${i}`, categoryCode: 'CAT', sku: String(4900000000000 + i), price: 10, currency: 'USD' }));
    await shop.products.import(lines.join('\n'), 'jsonl');
    await shop.close();
    shop = await openShop({ tenant: 'shop-a', user: 'u', name });
    // The chunk that holds the last product, known by the one a read of it loads.
    const before = await idbFiles(`/edgecart/${name}`);
    const chunks = Object.keys(before).filter((p) => p.startsWith('chk-')).sort();
    const removed = await withDatabase(`/edgecart/${name}`, undefined, () => {}, (db) => new Promise((resolve, reject) => {
      const tx = db.transaction(['pieces'], 'readwrite');
      // The products' rows come first: the chunk of the middle product is one of theirs.
      const victim = chunks[Math.floor(chunks.length / 4)];
      tx.objectStore('pieces').delete(IDBKeyRange.bound([victim, 0], [victim, Infinity]));
      tx.oncomplete = () => resolve(victim);
      tx.onerror = () => reject(tx.error);
    }));
    let failed = 0;
    for (let i = 0; i < 4000; i += 250) {
      try {
        assert.equal((await shop.products.get(code(i))).code, code(i));
      } catch (e) {
        assert.ok(e instanceof EdgeCartError, String(e));
        assert.equal(e.status, 500);
        assert.match(e.message, new RegExp(`^Storage error: ${removed} is not in IndexedDB any more`));
        failed++;
      }
    }
    assert.ok(failed >= 1 && failed < 16, `the reads of that chunk's range failed, the others answered (${failed} of 16 failed)`);
    await shop.close();
  });

  test('saves commit with strict durability unless the shop asks for relaxed', async () => {
    const original = IDBDatabase.prototype.transaction;
    const seen = [];
    IDBDatabase.prototype.transaction = function (stores, mode, options) {
      if (mode === 'readwrite') seen.push([this.name, options?.durability]);
      return original.call(this, stores, mode, options);
    };
    try {
      for (const [asked, expected] of [[undefined, 'strict'], ['strict', 'strict'], ['relaxed', 'relaxed']]) {
        const name = uniqueName(`durability-${expected}`);
        seen.length = 0;
        const shop = await openShop({ tenant: 'shop-a', user: 'u', name, ...(asked ? { durability: asked } : {}) });
        await shop.products.create(product('PRD-001'));
        assert.equal(shop.stats().durability, expected);
        await shop.close();
        const mine = seen.filter(([db]) => db.startsWith(`/edgecart/${name}`));
        assert.ok(mine.length >= 1, 'the write was saved');
        assert.deepEqual([...new Set(mine.map(([, d]) => d))], [expected], `asked ${asked}`);
      }
    } finally {
      IDBDatabase.prototype.transaction = original;
    }
    await assert.rejects(openShop({ tenant: 'shop-a', user: 'u', name: uniqueName('bad'), durability: 'fast' }),
        (e) => e instanceof EdgeCartError && e.status === 400 && /durability must be "strict" or "relaxed"/.test(e.message));
    const memory = await openShop({ tenant: 'shop-a', user: 'u', storage: 'memory' });
    assert.equal(memory.stats().durability, null, 'memory has no durability');
    await memory.close();
  });

  // A database that Emscripten's IDBFS wrote (version 21, one FILE_DATA record per file) opens
  // with everything in it, and is then in the new layout.
  test('a store saved by Emscripten IDBFS is migrated, never dropped', async () => {
    const source = uniqueName('idbfs-src');
    const shop = await openShop({ tenant: 'shop-a', user: 'u', name: source });
    await shop.products.create(product('PRD-001'));
    await shop.inventory.update('PRD-001', { quantity: 100 });
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await shop.orders.create(seedOrder())).code);
    await shop.close();
    const files = await idbFiles(`/edgecart/${source}`);
    assert.ok(Object.keys(files).some((f) => f.startsWith('seg-')), Object.keys(files).join());
    const name = uniqueName('idbfs');
    const dir = `/edgecart/${name}`;
    await withDatabase(dir, 21, (db) => {
      const store = db.createObjectStore('FILE_DATA');
      store.createIndex('timestamp', 'timestamp', { unique: false });
      store.put({ timestamp: new Date(), mode: 0o40777 }, dir);
      for (const [path, bytes] of Object.entries(files)) {
        store.put({ timestamp: new Date(), mode: 0o100666, contents: new Uint8Array(bytes) }, `${dir}/${path}`);
      }
    });
    const again = await openShop({ tenant: 'shop-a', user: 'u', name });
    assert.deepEqual((await again.orders.list()).items.map((o) => o.code), codes);
    assert.equal((await again.orders.create(seedOrder())).code, 'ORD-000006');
    await again.close();
    await withDatabase(dir, undefined, () => {}, (db) => {
      assert.deepEqual([...db.objectStoreNames], ['evicted', 'pieces'], 'FILE_DATA is gone, its files are pieces');
      assert.equal(db.version, 22);
    });
    const migrated = await idbFiles(dir);
    for (const [path, bytes] of Object.entries(files)) {
      if (path.startsWith('seg-') && migrated[path].length > bytes.length) {
        assert.deepEqual(migrated[path].subarray(0, bytes.length), bytes, `${path} kept its bytes`);
      }
    }
  });

  test('close saves every write given before it, then releases the store', async () => {
    const name = uniqueName('close-saves');
    const shop = await openShop({ tenant: 'shop-a', user: 'u', name });
    await shop.products.create(product('PRD-001'));
    await shop.inventory.update('PRD-001', { quantity: 1000 });
    const writes = Array.from({ length: 50 }, () => shop.orders.create(seedOrder()));
    await shop.close();
    assert.equal((await Promise.all(writes)).length, 50, 'every write given before close resolved');
    const again = await openShop({ tenant: 'shop-a', user: 'u', name });
    assert.equal((await again.orders.list({ limit: 100 })).items.length, 50);
    await again.close();
  });

  test('a shop lets another connection upgrade its database, and then refuses writes with 507', async () => {
    const name = uniqueName('upgrade');
    const shop = await openShop({ tenant: 'shop-a', user: 'u', name });
    await shop.products.create(product('PRD-001'));
    // A newer build opens the database at a higher version: the shop's connection steps aside.
    const version = await withDatabase(`/edgecart/${name}`, 23, () => {}, (db) => db.version);
    assert.equal(version, 23);
    await assert.rejects(shop.products.create(product('PRD-002')), (e) => e instanceof EdgeCartError && e.status === 507);
    await shop.close();
  });

  test('a piece missing in IndexedDB stops the open with a clear error and changes nothing', async () => {
    const name = uniqueName('gap');
    const shop = await openShop({ tenant: 'shop-a', user: 'u', name });
    await shop.products.create(product('PRD-001'));
    await shop.inventory.update('PRD-001', { quantity: 100 });
    await shop.orders.create(seedOrder());
    await shop.close();
    const dir = `/edgecart/${name}`;
    const removed = await withDatabase(dir, undefined, () => {}, (db) => new Promise((resolve, reject) => {
      const tx = db.transaction(['pieces'], 'readwrite');
      const keys = tx.objectStore('pieces').getAllKeys();
      let victim;
      keys.onsuccess = () => {
        victim = keys.result.filter(([p]) => p.startsWith('seg-'))[1];
        tx.objectStore('pieces').delete(victim);
      };
      tx.oncomplete = () => resolve(victim);
      tx.onerror = () => reject(tx.error);
    }));
    assert.ok(removed, 'a segment has a second piece');
    const before = await idbFiles(dir);
    await assert.rejects(openShop({ tenant: 'shop-a', user: 'u', name }), (e) => {
      assert.ok(e instanceof EdgeCartError);
      assert.equal(e.status, 500);
      assert.match(e.message, new RegExp(`^Storage error: ${removed[0]} in IndexedDB has a gap at byte \\d+`));
      return true;
    });
    assert.deepEqual(await idbFiles(dir), before, 'the failed open changed nothing');
  });
});

describe('retention (Node)', () => {
  test('a final order leaves the live state, is still answered (offline, after a reopen), and the open no longer loads it', async () => {
    const name = uniqueName('retain');
    const shop = await openShop({ tenant: 'shop-a', user: 'u', name, retentionDays: 0 });
    await shop.products.create(product('PRD-001'));
    await shop.inventory.update('PRD-001', { quantity: 1e6 });
    const live = await shop.orders.create(seedOrder());
    const shipped = await shop.orders.create(seedOrder());
    for (const s of ['confirmed', 'processing', 'shipped']) await shop.orders.updateStatus(shipped.code, s);
    // 300 final orders: delivered or cancelled.
    const final = [];
    for (let i = 0; i < 300; i++) {
      const o = await shop.orders.create(seedOrder());
      if (i % 2) {
        for (const s of ['confirmed', 'processing', 'shipped']) await shop.orders.updateStatus(o.code, s);
        final.push(await shop.orders.updateStatus(o.code, 'delivered'));
      } else {
        final.push(await shop.orders.updateStatus(o.code, 'cancelled'));
      }
    }
    assert.deepEqual(await shop.applyRetention(30), { evicted: 0 }, 'changed a moment ago: inside a 30-day window');
    const before = shop.stats();
    const stock = await shop.inventory.get('PRD-001');
    // As GET answered them before they left (the order handler adds the reservation state).
    const read = {};
    for (const i of [0, 1, 3, 7, 299]) read[i] = await shop.orders.get(final[i].code);
    assert.equal(read[0].attributes.status, 'cancelled');
    assert.equal(read[1].attributes.status, 'delivered');
    assert.deepEqual(await shop.applyRetention(), { evicted: 300 });
    const after = shop.stats();
    assert.ok(after.stateRows <= before.stateRows - 900, `state rows ${before.stateRows} → ${after.stateRows}`);
    assert.equal(after.compactions, before.compactions + 1, 'so many left that the log was compacted');
    const listed = async (s) => (await s.orders.list({ limit: 100 })).items.map((o) => o.code);
    assert.deepEqual(await listed(shop), [live.code, shipped.code]);
    for (const i of [0, 1, 299]) assert.deepEqual(await shop.orders.get(final[i].code), read[i]);
    assert.deepEqual(await shop.inventory.get('PRD-001'), stock, 'the stock did not move');
    await shop.close();

    const again = await openShop({ tenant: 'shop-a', user: 'u', name, retentionDays: 0 });
    const reopened = again.stats();
    assert.ok(reopened.stateRows <= before.stateRows - 900, `the open loaded ${reopened.stateRows} rows`);
    assert.deepEqual(await listed(again), [live.code, shipped.code]);
    assert.deepEqual(await again.orders.get(final[7].code), read[7]);
    await assert.rejects(again.orders.get('ORD-999999'), (e) => e.status === 404);
    assert.equal((await again.orders.create(seedOrder())).code, 'ORD-000303');
    // The customer who placed an order reads it; another customer gets the 404 the core answers.
    const mine = await openShop({ tenant: 'shop-a', user: 'CUST-001', roles: ['customer'], name });
    assert.equal((await mine.orders.get(final[3].code)).code, final[3].code);
    const theirs = await openShop({ tenant: 'shop-a', user: 'CUST-999', roles: ['customer'], name });
    await assert.rejects(theirs.orders.get(final[3].code), (e) => e.status === 404);
    await mine.close();
    await theirs.close();
    await again.close();
  });

  // (While a save runs, IndexedDB itself orders a read of the evicted store after it.)
  test('an order whose move to the archive failed to save is still answered, and the next save stores it', async () => {
    const name = uniqueName('retain-fail');
    const shop = await openShop({ tenant: 'shop-a', user: 'u', name, retentionDays: 0 });
    await shop.products.create(product('PRD-001'));
    await shop.inventory.update('PRD-001', { quantity: 10 });
    const o = await shop.orders.create(seedOrder());
    await shop.orders.updateStatus(o.code, 'cancelled');
    const read = await shop.orders.get(o.code);
    const original = IDBDatabase.prototype.transaction;
    let left = 1;
    IDBDatabase.prototype.transaction = function (stores, mode, ...rest) {
      const tx = original.call(this, stores, mode, ...rest);
      if (mode === 'readwrite' && left > 0 && this.name === `/edgecart/${name}`) {
        left -= 1;
        queueMicrotask(() => queueMicrotask(() => tx.abort()));
      }
      return tx;
    };
    try {
      await assert.rejects(shop.applyRetention(), (e) => e instanceof EdgeCartError && e.status === 507);
    } finally {
      IDBDatabase.prototype.transaction = original;
    }
    assert.deepEqual(await shop.orders.get(o.code), read, 'out of the live state, not yet in IndexedDB');
    await shop.products.create(product('PRD-002'));  // the next save
    await shop.close();
    const again = await openShop({ tenant: 'shop-a', user: 'u', name, retentionDays: 0 });
    assert.deepEqual(await again.orders.get(o.code), read);
    assert.deepEqual((await again.orders.list()).items, []);
    await again.close();
  });

  test('retention in memory does nothing, and bad windows are refused', async () => {
    const shop = await openShop({ tenant: 'shop-a', user: 'u', storage: 'memory' });
    await shop.products.create(product('PRD-001'));
    await shop.inventory.update('PRD-001', { quantity: 10 });
    const o = await shop.orders.create(seedOrder());
    await shop.orders.updateStatus(o.code, 'cancelled');
    assert.deepEqual(await shop.applyRetention(0), { evicted: 0 }, 'memory has no archive to keep it in');
    assert.equal((await shop.orders.list()).items.length, 1);
    await assert.rejects(shop.applyRetention(-1), (e) => e.status === 400);
    const customer = await openShop({ tenant: 'shop-a', user: 'CUST-001', roles: ['customer'], storage: 'memory', name: uniqueName('cust') });
    await assert.rejects(customer.applyRetention(0), (e) => e.status === 403 && /manager or admin/.test(e.message));
    await customer.close();
    await shop.close();
    await assert.rejects(openShop({ tenant: 'shop-a', user: 'u', storage: 'memory', retentionDays: 'soon' }),
        (e) => e.status === 400 && /retentionDays must be a number >= 0/.test(e.message));
    await assert.rejects(openShop({ tenant: 'shop-a', user: 'u', storage: 'memory' }).then((s) => s.request('RETAIN', '0')),
        (e) => e.status === 404);
  });
});
