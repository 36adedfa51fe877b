// The same catalogue in Dexie 4, as a web developer would lay it out for a till: a products
// table indexed by barcode (sku), category and the words of the name (a multi-entry index), a
// stock table by product code. The three reads bench:shop compares, each a page with its stock.
import Dexie from '../../node_modules/dexie/dist/dexie.mjs';

const words = (name) => [...new Set(name.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean))];

export function dexieShop(name) {
  const db = new Dexie(name);
  db.version(1).stores({ products: 'code, sku, [categoryCode+code], *words', stock: 'productCode' });
  const withStock = async (products) => {
    const stock = await db.stock.bulkGet(products.map((p) => p.code));
    return products.map((p, i) => ({ ...p, inventory: stock[i] ?? null }));
  };
  return {
    async load(products) {
      await db.transaction('rw', db.products, db.stock, async () => {
        await db.products.bulkPut(products.map(({ quantity, ...p }) => ({ ...p, words: words(p.name) })));
        await db.stock.bulkPut(products.map((p) => ({ productCode: p.code, quantity: p.quantity, reservedQuantity: 0 })));
      });
    },
    barcode: async (sku) => withStock(await db.products.where('sku').equals(sku).toArray()),
    categoryPage: async (categoryCode, limit) =>
      withStock(await db.products.where('[categoryCode+code]').between([categoryCode, Dexie.minKey], [categoryCode, Dexie.maxKey]).limit(limit).toArray()),
    // Word-prefix search: the longest word through the index, every word checked on the name.
    search: async (q, limit) => {
      const ws = words(q);
      const longest = ws.reduce((a, b) => (b.length > a.length ? b : a), '');
      const found = await db.products.where('words').startsWith(longest)
        .filter((p) => ws.every((w) => p.words.some((x) => x.startsWith(w)))).distinct().limit(limit).toArray();
      return withStock(found);
    },
    close: () => db.close(),
  };
}
