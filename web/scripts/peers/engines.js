// The engines of the peer benchmark (scripts/bench-peers.mjs), in the page. Each runs the same
// "order": read the stock, reserve one unit, take the next order number, write the order — one
// atomic commit where the engine has one. Each engine object: open(), seed(), order(),
// first20() (the first page of orders, as a till's list shows it), close().
import Dexie from '../../node_modules/dexie/dist/dexie.mjs';
import { openShop } from '../../dist/browser.js';

const BODY = {
  customerId: 'CUST-001',
  items: [{ productCode: 'PRD-001', name: 'Wireless Mouse', quantity: 1, price: 29.99 }],
  shippingAddress: { street: '123 Main St', city: 'Tokyo', postalCode: '100-0001', country: 'JP' },
  paymentMethod: 'credit_card',
};
const PRODUCT = { code: 'PRD-001', name: 'Wireless Mouse', categoryCode: 'ACC', sku: 'WM', price: 29.99, currency: 'USD' };
const STOCK = 1e9;

// The order record the others store: what EdgeCart's order item holds.
function orderRecord(seq) {
  const now = new Date().toISOString();
  return { code: `ORD-${String(seq).padStart(6, '0')}`, ...BODY, totalAmount: 29.99, status: 'pending',
           createdBy: 'bench', createdAt: now, updatedBy: 'bench', updatedAt: now, version: 1 };
}

// Bytes handed to IndexedDB by put/add: a typed array's length, an object's JSON length (an
// estimate of its structured clone; PouchDB and the raw engines store objects) plus the length of
// the typed arrays it holds.
let bytes = 0;
export function countBytes() {
  return bytes;
}
// Bytes inside an object (Emscripten's IDBFS puts {timestamp, mode, contents: Uint8Array}) count
// as their length, not as JSON's {"0":…} spelling of them.
const size = (v) => {
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v.byteLength;
  if (v instanceof Blob) return v.size;
  let binary = 0;
  const text = JSON.stringify(v, (_, x) => {
    if (!ArrayBuffer.isView(x)) return x;
    binary += x.byteLength;
    return null;
  });
  return binary + (text ?? '').length;
};
for (const method of ['put', 'add']) {
  const original = IDBObjectStore.prototype[method];
  IDBObjectStore.prototype[method] = function (value, key) {
    bytes += size(value);
    return original.call(this, value, key);
  };
}

const request = (r) => new Promise((resolve, reject) => {
  r.onsuccess = () => resolve(r.result);
  r.onerror = () => reject(r.error);
});

// EdgeCart on its own IndexedDB layer (storage 'indexeddb') or on Emscripten's stock IDBFS.
const edgecart = (storage) => (name, durability) => {
    let shop;
    return {
      async open() {
        // IDBFS has one durability, relaxed (it is refused a 'strict' ask): the cold open asks none.
        shop = await openShop({ tenant: 'bench', user: 'bench', name, storage,
                                durability: storage === 'idbfs' ? undefined : durability, retentionDays: Infinity });
      },
      // A till with a long history: `total` orders sold, all but the last `live` cancelled (final)
      // and taken out of the live state by retention.
      async history(total, live) {
        const codes = [];
        let next = 0;
        await Promise.all(Array.from({ length: 64 }, async () => {
          while (next++ < total) codes.push((await shop.orders.create(BODY)).code);
        }));
        codes.sort();
        const final = codes.slice(0, total - live);
        next = 0;
        await Promise.all(Array.from({ length: 64 }, async () => {
          while (next < final.length) await shop.orders.updateStatus(final[next++], 'cancelled');
        }));
        return (await shop.applyRetention(0)).evicted;
      },
      async seed() {
        await shop.products.create(PRODUCT);
        await shop.inventory.update('PRD-001', { quantity: STOCK });
      },
      order: () => shop.orders.create(BODY),
      first20: async () => (await shop.orders.list({ limit: 20 })).items.length,
      heapBytes: () => shop.stats()?.heapBytes ?? 0,
      openMs: () => shop.stats()?.openMs ?? null,
      close: () => shop.close(),
    };
};

export const engines = {
  edgecart: edgecart('indexeddb'),
  edgecartIdbfs: edgecart('idbfs'),

  indexeddb: (name, durability) => {
    let db;
    return {
      async open() {
        const r = indexedDB.open(name, 1);
        r.onupgradeneeded = () => {
          r.result.createObjectStore('products', { keyPath: 'code' });
          r.result.createObjectStore('orders', { keyPath: 'code' });
          r.result.createObjectStore('meta', { keyPath: 'key' });
        };
        db = await request(r);
      },
      async seed() {
        const tx = db.transaction(['products', 'meta'], 'readwrite', { durability });
        tx.objectStore('products').put({ ...PRODUCT, quantity: STOCK, reservedQuantity: 0, version: 1 });
        tx.objectStore('meta').put({ key: 'ORDER', value: 0 });
        await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onabort = () => reject(tx.error); });
      },
      order: () => new Promise((resolve, reject) => {
        const tx = db.transaction(['meta', 'products', 'orders'], 'readwrite', { durability });
        const meta = tx.objectStore('meta');
        const products = tx.objectStore('products');
        let seq, product;
        const both = () => {
          if (seq === undefined || product === undefined) return;
          if (product.quantity - product.reservedQuantity < 1) return tx.abort();
          meta.put({ key: 'ORDER', value: seq.value + 1 });
          products.put({ ...product, reservedQuantity: product.reservedQuantity + 1, version: product.version + 1 });
          tx.objectStore('orders').add(orderRecord(seq.value + 1));
        };
        meta.get('ORDER').onsuccess = (e) => { seq = e.target.result; both(); };
        products.get('PRD-001').onsuccess = (e) => { product = e.target.result; both(); };
        tx.oncomplete = resolve;
        tx.onabort = () => reject(tx.error ?? new Error('out of stock'));
      }),
      first20: async () => (await request(db.transaction(['orders'], 'readonly').objectStore('orders').getAll(null, 20))).length,
      close: async () => db.close(),
    };
  },

  dexie: (name, durability) => {
    const db = new Dexie(name, { chromeTransactionDurability: durability });
    db.version(1).stores({ products: 'code', orders: 'code', meta: 'key' });
    return {
      open: () => db.open(),
      seed: () => db.transaction('rw', db.products, db.meta, async () => {
        await db.products.put({ ...PRODUCT, quantity: STOCK, reservedQuantity: 0, version: 1 });
        await db.meta.put({ key: 'ORDER', value: 0 });
      }),
      order: () => db.transaction('rw', db.meta, db.products, db.orders, async () => {
        const [seq, product] = await Promise.all([db.meta.get('ORDER'), db.products.get('PRD-001')]);
        if (product.quantity - product.reservedQuantity < 1) throw new Error('out of stock');
        await Promise.all([
          db.meta.put({ key: 'ORDER', value: seq.value + 1 }),
          db.products.put({ ...product, reservedQuantity: product.reservedQuantity + 1, version: product.version + 1 }),
          db.orders.add(orderRecord(seq.value + 1)),
        ]);
      }),
      first20: async () => (await db.orders.limit(20).toArray()).length,
      close: async () => db.close(),
    };
  },

  // PouchDB has no transaction over two documents: the stock document is updated first under its
  // revision (optimistic locking, retried on a conflict), then the order is written. The order
  // number is the stock's reservation count. Its IndexedDB adapter takes no durability setting.
  pouchdb: (name) => {
    const db = new window.PouchDB(name);
    return {
      open: async () => { await db.info(); },
      seed: async () => { await db.put({ _id: 'product:PRD-001', ...PRODUCT, quantity: STOCK, reservedQuantity: 0 }); },
      async order() {
        for (;;) {
          const product = await db.get('product:PRD-001');
          if (product.quantity - product.reservedQuantity < 1) throw new Error('out of stock');
          product.reservedQuantity += 1;
          try {
            await db.put(product);
          } catch (e) {
            if (e.status === 409) continue;
            throw e;
          }
          const order = orderRecord(product.reservedQuantity);
          await db.put({ _id: `order:${order.code}`, ...order });
          return;
        }
      },
      first20: async () => (await db.allDocs({ include_docs: true, startkey: 'order:', endkey: 'order:\uffff', limit: 20 })).rows.length,
      close: () => db.close(),
    };
  },
};
