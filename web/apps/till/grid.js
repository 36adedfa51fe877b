// The sell grid: the active products matching the search and category, a page of tiles at a time,
// each with its price and what is left; a tile adds its product to the cart. Also the product a
// scanned or typed text names, and the category lists of the till's screens.
import { categoryName, html, money } from '/lib.js';
import { Pager } from './catalogue.js';

const $ = (id) => document.getElementById(id);

export class SellGrid {
  // `catalogue`: the till's Catalogue; `loaded(items)`: a page arrived; `add(code)`: a tile was
  // chosen.
  constructor({ shop, catalogue, size, loaded, add }) {
    Object.assign(this, { shop, catalogue, add });
    this.list = new Pager({ read: (q) => shop().products.listWithStock(q), input: $('search'), select: $('category'),
                            activeOnly: true, render: (e) => this.render(e), loaded, size });
  }

  wire() {
    this.list.wire($('grid-prev'), $('grid-next'));
    $('grid').addEventListener('click', (e) => {
      const b = e.target.closest('[data-add]');
      if (b) this.add(b.dataset.add);
    });
  }

  shows(code) {
    return this.list.shows(code);
  }

  load() {
    return this.list.load();
  }

  reset() {
    return this.list.reset();
  }

  tile(code) {
    const p = this.catalogue.product(code);
    const left = this.catalogue.available(code);
    const out = left <= 0;
    return html`<li data-tile="${code}"><button type="button" class="tile${out ? ' out' : ''}" data-add="${code}">
      <span class="tile-name">${p.name}</span>
      <span class="tile-meta">${code} · ${p.attributes.sku}</span>
      <span class="tile-price">${money(p.attributes.price, p.attributes.currency)}</span>
      <span class="badge ${out ? 'bad' : left <= 3 ? 'warn' : 'ok'}">${out ? 'Out of stock' : `${left} available`}</span>
    </button></li>`;
  }

  render(error) {
    const list = this.list;
    $('grid').innerHTML = error ? html`<li class="notice bad" role="alert">${error.message}</li>`.text
      : list.items.length === 0 ? html`<li class="muted">No product matches.</li>`.text
        : html`${list.items.map((code) => this.tile(code))}`.text;
    $('grid-pager').hidden = list.page === 0 && !list.more;
    $('grid-prev').disabled = list.page === 0;
    $('grid-next').disabled = !list.more;
    $('grid-page').textContent = `Page ${list.page + 1}`;
  }

  // Redraws the tile of `code`, if it shows, after a change.
  patch(code) {
    if (!this.shows(code)) return;
    const li = document.querySelector(`#grid [data-tile="${CSS.escape(code)}"]`);
    if (li) li.outerHTML = this.tile(code).text;
  }

  // The product a scanned or typed text names, with its stock: a barcode (SKU), a code, else the
  // first active product the search finds in the chosen category; null if none.
  async find(text) {
    const shop = this.shop();
    const exact = await shop.products.listWithStock({ sku: text, limit: 1 });
    if (exact.items.length) return exact.items[0];
    if (/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(text)) {
      const p = await shop.products.get(text).catch(() => null);
      if (p) return { ...p, inventory: await shop.inventory.get(text).catch(() => null) };
    }
    if (!/[\p{L}\p{N}]/u.test(text)) return null;
    const c = $('category').value;
    const first = await shop.products.listWithStock({ q: text, isActive: true, limit: 1, ...(c ? { categoryCode: c } : {}) });
    return first.items[0] ?? null;
  }
}

// Fills the category selects of the sell grid and the stock screen (keeping what each had chosen,
// if it is still there) and the category codes offered for a new product.
export async function loadCategories(shop) {
  let cats;
  try {
    cats = (await shop.categories.list()).map((c) => c.code);
  } catch {
    return;
  }
  for (const id of ['category', 'stock-category']) {
    const select = $(id);
    const chosen = select.value;
    select.innerHTML = html`<option value="">All</option>${cats.map((c) => html`<option value="${c}">${categoryName(c)}</option>`)}`.text;
    select.value = cats.includes(chosen) ? chosen : '';
  }
  $('category-codes').innerHTML = html`${cats.map((c) => html`<option value="${c}">`)}`.text;
}
