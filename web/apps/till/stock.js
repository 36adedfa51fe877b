// The stock and catalogue screen (a manager's): the products with their stock, a page at a time,
// a restock or a counted quantity for each, and a new product.
import { amountOf, categoryName, html, later } from '/lib.js';
import { Pager } from './catalogue.js';

const $ = (id) => document.getElementById(id);
const fail = (e) => { $('stock-error').textContent = e ? e.message ?? String(e) : ''; };

export class Stock {
  // `catalogue`: the till's Catalogue; `staff`: signed in as a manager or admin; `size`: a page's
  // products; `loaded(items)`: a page arrived.
  constructor({ shop, catalogue, staff, size, loaded }) {
    Object.assign(this, { shop, catalogue, staff });
    this.list = new Pager({ read: (q) => shop.products.listWithStock(q), input: $('stock-search'), select: $('stock-category'),
                            activeOnly: false, render: (e) => this.render(e), loaded, size });
  }

  wire() {
    this.list.wire($('stock-prev'), $('stock-next'));
    $('stock').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.submit(e.target);
    });
    $('new-product').addEventListener('submit', (e) => void this.createProduct(e));
  }

  shows(code) {
    return this.list.shows(code);
  }

  load() {
    return this.staff ? this.list.load() : this.render();
  }

  render(error) {
    if (later($('stock'), () => this.render())) return;
    if (!this.staff) {
      $('stock').innerHTML = html`<p class="muted">Stock and catalogue need a manager's sign-in.</p>`.text;
      $('new-product').hidden = true;
      return;
    }
    const c = this.catalogue;
    $('stock').innerHTML = html`<table class="stack"><thead><tr><th>Product</th><th class="num">In stock</th><th class="num">Reserved</th>
    <th class="num">Available</th><th>Restock</th><th>Set quantity</th></tr></thead>
    <tbody>${this.list.items.map((code) => {
      const p = c.product(code);
      const inv = c.inventory(code)?.attributes;
      return html`<tr><td data-label="Product"><span>${p.name}<br><span class="muted">${p.code} · ${categoryName(p.attributes.categoryCode)}</span></span></td>
      <td class="num" data-label="In stock">${inv?.quantity ?? 0}</td><td class="num" data-label="Reserved">${inv?.reservedQuantity ?? 0}</td>
      <td class="num" data-label="Available">${c.available(p.code)}</td>
      <td data-label="Restock"><form class="row inline-form" data-restock="${p.code}"><input name="delta" inputmode="numeric" size="4" aria-label="${`Units of ${p.name} received`}" placeholder="+10">
        <button type="submit" class="secondary">Restock</button></form></td>
      <td data-label="Set quantity"><form class="row inline-form" data-set="${p.code}"><input name="quantity" inputmode="numeric" size="4" aria-label="${`New quantity of ${p.name}`}" placeholder="${inv?.quantity ?? 0}">
        <button type="submit" class="secondary">Set</button></form></td></tr>`;
    })}</tbody></table>${this.list.items.length === 0 ? html`<p class="muted">No product matches.</p>` : ''}
    <p id="stock-error" class="field-error" role="alert">${error?.message ?? ''}</p>`.text;
    $('stock-prev').disabled = this.list.page === 0;
    $('stock-next').disabled = !this.list.more;
    $('stock-page').textContent = `Page ${this.list.page + 1}`;
  }

  // A restock (a delta) or a counted quantity, from the row's form.
  async submit(form) {
    fail();
    const code = form.dataset.restock ?? form.dataset.set;
    const text = form.elements[0].value.trim();
    if (!/^[+-]?\d{1,9}$/.test(text)) return fail(new Error('Type a whole number of units.'));
    const n = Number(text);
    try {
      if (form.dataset.restock) await this.shop.inventory.update(code, { quantityDelta: n });
      // An absolute quantity carries the version this till saw: if the stock changed meanwhile on
      // the server, the sync reports a conflict (Problems) instead of overwriting it.
      else {
        const inv = this.catalogue.inventory(code);
        await this.shop.inventory.update(code, { quantity: n, ...(inv ? { version: inv.version } : {}) });
      }
      form.reset();
    } catch (e) {
      fail(e);
    }
  }

  async createProduct(event) {
    event.preventDefault();
    const failed = (e) => { $('product-error').textContent = e ? e.message ?? String(e) : ''; };
    failed();
    const f = new FormData(event.target);
    const get = (k) => String(f.get(k) ?? '').trim();
    const price = amountOf(get('price'));
    const quantity = get('quantity') === '' ? 0 : Number(get('quantity'));
    if (price === null) return failed(new Error('Price must be an amount such as 12.50.'));
    if (!Number.isInteger(quantity) || quantity < 0) return failed(new Error('Opening stock must be a whole number.'));
    try {
      await this.shop.products.create({ code: get('code'), name: get('name'), categoryCode: get('categoryCode'), sku: get('sku'),
                                        price, currency: get('currency') });
      if (quantity > 0) await this.shop.inventory.update(get('code'), { quantity });
      event.target.reset();
    } catch (e) {
      failed(e);
    }
  }
}
