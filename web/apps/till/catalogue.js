// The till's view of the catalogue, never held whole (docs/apps.md, "A shop-sized catalogue"):
// the screens read the page they show from the core (one call answers a page of products with
// their stock), and `known` keeps the products on screen and in the cart, patched from the
// change events.

export class Catalogue {
  constructor() {
    this.known = new Map();  // code -> {product, inventory|null}
  }

  // Keeps what a read says of each product it gave (items of products.listWithStock).
  learn(items) {
    for (const { inventory, ...p } of items) this.known.set(p.code, { product: p, inventory });
  }

  has(code) {
    return this.known.has(code);
  }

  product(code) {
    return this.known.get(code)?.product;
  }

  inventory(code) {
    return this.known.get(code)?.inventory ?? null;
  }

  // Replaces what is known of `code`'s product or stock ({product} or {inventory}).
  update(code, part) {
    this.known.set(code, { ...this.known.get(code), ...part });
  }

  // Units that can still be sold (quantity - reserved), 0 if the stock is not known.
  available(code) {
    const inv = this.inventory(code)?.attributes;
    return inv ? inv.quantity - inv.reservedQuantity : 0;
  }

  // Forgets every product `wanted(code)` says no screen shows any more.
  forget(wanted) {
    for (const code of this.known.keys()) if (!wanted(code)) this.known.delete(code);
  }
}

// A paged list of products with their stock (the sell grid, the stock table), filtered by a
// search box and a category select: pages are read from the core, one call each, the newest read
// winning.
//   read(query)    a page: shop.products.listWithStock
//   input, select  the search box and the category select; activeOnly: active products only
//   render(error)  draws the page (or the read's error)
//   loaded(items)  a page arrived (before it is drawn)
export class Pager {
  constructor({ read, input, select, activeOnly, render, loaded, size }) {
    Object.assign(this, { read, input, select, activeOnly, render, loaded, size });
    this.items = [];
    this.cursors = [undefined];
    this.page = 0;
    this.more = false;
    this.reads = 0;
  }

  reset() {
    this.cursors = [undefined];
    this.page = 0;
    return this.load();
  }

  async load() {
    const n = ++this.reads;
    let page;
    try {
      page = await this.read({ ...this.filters(), limit: this.size, cursor: this.cursors[this.page] });
    } catch (e) {
      if (n === this.reads) this.render(e);
      return;
    }
    if (n !== this.reads) return;  // a newer read (the next keystroke) is on its way
    this.items = page.items.map((p) => p.code);
    this.more = Boolean(page.lastSk);
    this.cursors[this.page + 1] = page.lastSk;
    this.loaded(page.items);
    this.render();
  }

  shows(code) {
    return this.items.includes(code);
  }

  // The filters: {q, categoryCode}, and isActive if activeOnly. A search of no letter or digit
  // searches nothing.
  filters() {
    const q = this.input.value.trim();
    const c = this.select.value;
    return { ...(this.activeOnly ? { isActive: true } : {}), ...(/[\p{L}\p{N}]/u.test(q) ? { q } : {}), ...(c ? { categoryCode: c } : {}) };
  }

  // A new search or category reads the first page; the previous and next buttons turn pages.
  wire(prev, next) {
    this.input.addEventListener('input', () => void this.reset());
    this.select.addEventListener('change', () => void this.reset());
    prev.addEventListener('click', () => { this.page = Math.max(0, this.page - 1); void this.load(); });
    next.addEventListener('click', () => { this.page++; void this.load(); });
  }
}
