// The till (point of sale): the EdgeCart module in this browser, its state in IndexedDB, selling
// offline with leased order codes and reconciling with the server when online.
//   /till/            this browser's till (its id is kept in localStorage)
//   /till/?till=NAME  another till in the same browser (its own database)
//   &role=cashier     a till run with a cashier's token (no stock screens); default manager
import { openShop } from '/dist/browser.js';
import {
  TRANSITIONS, ago, ask, bearer, categoryName, claims, deviceId, figureRows, html, loadCurrencies, money, offlineShell,
  refusedToken, statusText, time,
} from '/lib.js';
import { Drawer } from './drawer.js';
import { Parked } from './parked.js';
import { Problems } from './problems.js';
import { refundSlip, saleReceipt } from './receipt.js';
import { Returns } from './returns.js';

const TENANT = 'demo';
const STORE_ADDRESS = { street: 'Counter sale', city: 'Tokyo', postalCode: '100-0001', country: 'JP' };
const PAGE = 20;
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const tillId = params.get('till') ?? deviceId('edgecart.till.id', 'till');
const role = params.get('role') ?? 'manager';
const tokenKey = `edgecart.till.token.${tillId}`;
const alertsKey = `edgecart.till.alerts.${tillId}`;  // this till's stock alerts (problems.js)
const parked = new Parked(`edgecart.till.parked.${tillId}`);

let shop;
let staff = false;
// The catalogue is never held whole: the screens read the page they show from the core (one call
// answers a page of products with their stock), and `known` keeps the products on screen and in
// the cart, patched from the change events (docs/apps.md, "A shop-sized catalogue").
const GRID_PAGE = 48;
const known = new Map();           // code -> {product, inventory|null}
const cart = new Map();            // code -> quantity, in the order added
let adding = Promise.resolve();    // the look-ups of scanned codes not yet in the cart
let saleKey = crypto.randomUUID(); // one idempotency key per sale: a retried "Complete sale" sells once
let receipt = null;                // {order} (a sale's receipt) or {ret} (a refund slip)
let drawer = null;                 // this till's cash drawer (drawer.js)
let returns = null;                // the returns screen (returns.js)
let problems = null;               // the Problems panel (problems.js)
let status = null;
let settings = null;               // the shop's settings (receipt header), kept current by a live query
// The core's figures of the cart (orders.quote): {key, figures, error} for the request `key`.
let quoted = { key: '', figures: null, error: null };
let asked = '';
const orderPages = [undefined];    // cursors of the order pages seen
let orderPage = 0;

const available = (code) => {
  const inv = known.get(code)?.inventory?.attributes;
  return inv ? inv.quantity - inv.reservedQuantity : 0;
};
const product = (code) => known.get(code)?.product;
const cartLines = () => [...cart].map(([code, quantity]) => {
  const p = product(code);
  return { productCode: code, name: p.name, quantity, price: p.attributes.price, currency: p.attributes.currency };
});
const fail = (el, e) => { $(el).textContent = e ? e.message ?? String(e) : ''; };

// ---- the sync bar ---------------------------------------------------------------------------
// Text is replaced only when it changed: the live regions (online, pending, error) are announced
// when they change, not every second; the ages, redrawn every second, are outside them.
function put(id, text) {
  if ($(id).textContent !== text) $(id).textContent = text;
}
function renderSync() {
  if (!status) return;
  put('sync-online', status.online ? 'Online' : 'Offline');
  $('sync-online').className = `badge ${status.online ? 'ok' : 'bad'}`;
  put('sync-pending', status.pending === 0 ? 'All synced' : `${status.pending} pending`);
  $('sync-pending').dataset.pending = String(status.pending);
  put('sync-age', status.pending && status.oldestPendingAt ? `oldest ${ago(status.oldestPendingAt)}` : '');
  put('sync-last', status.lastSyncAt ? `Last sync ${ago(status.lastSyncAt)}` : 'Not synced yet');
  $('sync-error').hidden = !status.lastError;
  put('sync-error', status.lastError ? `Sync failed: ${status.lastError}` : '');
}
async function refreshStatus() {
  try {
    status = await shop.syncStatus();
    renderSync();
    problems.renderCount();
  } catch { /* closing */ }
}

// ---- the catalogue and the sale --------------------------------------------------------------
// Keeps what a page read says of each product it shows.
function learn(items) {
  for (const { inventory, ...p } of items) known.set(p.code, { product: p, inventory });
}

// A paged list of products with their stock (the sell grid, the stock table): `query()` gives
// the filters; pages are read from the core, one call each, the newest read winning.
class Pager {
  constructor(query, render) {
    this.query = query;
    this.render = render;
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
      page = await shop.products.listWithStock({ ...this.query(), limit: GRID_PAGE, cursor: this.cursors[this.page] });
    } catch (e) {
      if (n === this.reads) this.render(e);
      return;
    }
    if (n !== this.reads) return;  // a newer read (the next keystroke) is on its way
    learn(page.items);
    this.items = page.items.map((p) => p.code);
    // What no screen shows any more is forgotten (the cart's products stay).
    for (const code of known.keys()) {
      if (!grid.shows(code) && !stockList.shows(code) && !cart.has(code)) known.delete(code);
    }
    this.more = Boolean(page.lastSk);
    this.cursors[this.page + 1] = page.lastSk;
    this.render();
  }
  shows(code) {
    return this.items.includes(code);
  }
}

const searchQuery = (input, select, activeOnly) => () => {
  const q = $(input).value.trim();
  const c = $(select).value;
  return { ...(activeOnly ? { isActive: true } : {}), ...(/[\p{L}\p{N}]/u.test(q) ? { q } : {}), ...(c ? { categoryCode: c } : {}) };
};
const grid = new Pager(searchQuery('search', 'category', true), (e) => renderGrid(e));
const stockList = new Pager(searchQuery('stock-search', 'stock-category', false), (e) => renderStock(e));

async function loadCategories() {
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

function tile(code) {
  const p = product(code);
  const left = available(code);
  const out = left <= 0;
  return html`<li data-tile="${code}"><button type="button" class="tile${out ? ' out' : ''}" data-add="${code}">
      <span class="tile-name">${p.name}</span>
      <span class="tile-meta">${code} · ${p.attributes.sku}</span>
      <span class="tile-price">${money(p.attributes.price, p.attributes.currency)}</span>
      <span class="badge ${out ? 'bad' : left <= 3 ? 'warn' : 'ok'}">${out ? 'Out of stock' : `${left} available`}</span>
    </button></li>`;
}

function renderGrid(error) {
  $('grid').innerHTML = error ? html`<li class="notice bad" role="alert">${error.message}</li>`.text
    : grid.items.length === 0 ? html`<li class="muted">No product matches.</li>`.text
      : html`${grid.items.map(tile)}`.text;
  $('grid-pager').hidden = grid.page === 0 && !grid.more;
  $('grid-prev').disabled = grid.page === 0;
  $('grid-next').disabled = !grid.more;
  $('grid-page').textContent = `Page ${grid.page + 1}`;
}

// Redraws one product where it shows (its tile, its cart line, its stock row) after a change.
function patch(code) {
  if (grid.shows(code)) {
    const li = document.querySelector(`#grid [data-tile="${CSS.escape(code)}"]`);
    if (li) li.outerHTML = tile(code).text;
  }
  if (cart.has(code)) renderCart();
  if (stockList.shows(code) && view() === 'stock') renderStock();
}

// The product a scanned or typed text names: a barcode (SKU), a code, else the first search match.
async function find(text) {
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

function add(code, n = 1) {
  cart.set(code, Math.max(0, (cart.get(code) ?? 0) + n));
  if (cart.get(code) === 0) cart.delete(code);
  renderCart();
}

// An amount typed at the counter as the API's number ("12,5" -> 12.5), null if none or not one:
// the core checks it against the currency's decimals.
function amountIn(id) {
  const t = $(id).value.trim();
  return /^\d{1,13}([.,]\d{1,6})?$/.test(t) ? Number(t.replace(',', '.')) : null;
}

// What the customer hands over, as typed (a card alone pays the core's total, at completion).
function tenders() {
  const pay = payment();
  const card = pay === 'split' ? amountIn('card-amount') : null;
  const cash = pay === 'card' ? null : amountIn('given');
  const list = [];
  if (card) list.push({ method: 'card', amount: card });
  if (cash) list.push({ method: 'cash', amount: cash });
  return list.length ? list : null;
}

// The sale as the core will take it: the cart's lines at the prices shown, the order's discount
// if one is typed (the core checks it: a cashier's limit, a reason), and the tenders typed (the
// core says what is still due and the change).
function saleRequest() {
  const body = { items: cartLines().map(({ productCode, name, quantity, price }) => ({ productCode, name, quantity, price })) };
  const pct = $('discount-percent').value.trim();
  if (pct !== '') {
    const n = Number(pct.replace(',', '.'));
    body.discount = { percent: pct !== '' && Number.isFinite(n) ? n : pct, reason: $('discount-reason').value.trim() };
  }
  const given = tenders();
  if (given) body.payments = given;
  if (drawer?.open) body.session = drawer.open.code;
  return body;
}

// Asks the core for the figures of `body` (a local call: offline too) and redraws the cart.
async function requote(body, key) {
  if (body.items.length === 0) {
    quoted = { key, figures: null, error: null };
    return;
  }
  try {
    quoted = { key, figures: await shop.orders.quote(body), error: null };
  } catch (e) {
    quoted = { key, figures: null, error: e };
  }
  if (asked === key) renderCart();
}

function renderCart(force = false) {
  if (!force && later($('cart-lines'), renderCart)) return;
  const body = saleRequest();
  const key = JSON.stringify(body);
  const f = quoted.key === key ? quoted.figures : null;
  const lines = cartLines();
  $('cart-lines').innerHTML = lines.length === 0 ? html`<p class="muted">The cart is empty.</p>`.text : html`<table>
    <thead><tr><th>Product</th><th>Qty</th><th class="num">Total</th></tr></thead>
    <tbody>${lines.map((l, i) => html`<tr>
      <td>${l.name}<br><span class="muted">${money(l.price, l.currency)} each</span>
        ${l.quantity > available(l.productCode) ? html`<br><span class="badge warn">only ${Math.max(0, available(l.productCode))} in stock</span>` : ''}
        <br><button type="button" class="link" data-remove="${l.productCode}" aria-label="${`Remove ${l.name}`}">Remove</button></td>
      <td><div class="qty">
        <button type="button" class="secondary" data-step="-1" data-code="${l.productCode}" aria-label="${`One ${l.name} less`}">−</button>
        <input type="number" min="1" max="999" value="${l.quantity}" data-qty="${l.productCode}" aria-label="${`Quantity of ${l.name}`}">
        <button type="button" class="secondary" data-step="1" data-code="${l.productCode}" aria-label="${`One ${l.name} more`}">+</button>
      </div></td>
      <td class="num">${f ? money(f.items[i].amount, f.currency) : ''}</td>
    </tr>`)}</tbody></table>`.text;
  $('cart-totals').innerHTML = f ? figureRows(f).text
    : quoted.key === key && quoted.error ? html`<p class="notice bad" id="quote-error" role="alert">${quoted.error.message}</p>`.text : '';
  if (key !== asked) {
    asked = key;
    void requote(body, key);
  }
  renderChange();
  parked.render();
  $('drawer-state').innerHTML = drawer?.open ? '' : html`<p class="notice warn">The drawer is closed: <a href="#drawer">open it</a> to sell.</p>`.text;
  $('complete').disabled = lines.length === 0 || (quoted.key === key && quoted.error !== null) || !drawer?.open;
}

// ---- parked sales (parked.js) ---------------------------------------------------------------
function park() {
  if (cart.size === 0) return fail('sale-error', new Error('The cart is empty: nothing to park.'));
  parked.add({ at: new Date().toISOString(), lines: [...cart], discount: $('discount-percent').value, reason: $('discount-reason').value });
  cart.clear();
  $('discount-percent').value = '';
  $('discount-reason').value = '';
  renderCart(true);
  $('search').focus();
}
async function recall(i) {
  if (cart.size > 0) return fail('sale-error', new Error('Park or complete the sale in the cart first.'));
  const sale = parked.list()[i];
  if (!sale) return;
  // The products again, as this till knows them now (a price may have changed since).
  for (const [code] of sale.lines) {
    const p = await shop.products.get(code).catch(() => null);
    if (!p) return fail('sale-error', new Error(`${code} is no longer in the catalogue: the parked sale stays parked.`));
    known.set(code, { product: p, inventory: await shop.inventory.get(code).catch(() => null) });
  }
  parked.remove(i);
  for (const [code, q] of sale.lines) cart.set(code, q);
  $('discount-percent').value = sale.discount ?? '';
  $('discount-reason').value = sale.reason ?? '';
  if (sale.discount) $('discount-box').open = true;
  fail('sale-error');
  renderCart(true);
  $('search').focus();
}

const payment = () => document.querySelector('input[name=pay]:checked').value;

// What is still due, or the change, as the core computed them from the tenders typed.
function renderChange() {
  $('cash-fields').hidden = payment() === 'card';
  $('card-fields').hidden = payment() !== 'split';
  const f = quoted.key === asked ? quoted.figures : null;
  const typedText = $('given').value.trim() !== '' || (payment() === 'split' && $('card-amount').value.trim() !== '');
  if (!f || cart.size === 0 || payment() === 'card' || !typedText) {
    $('change').textContent = '';
    return;
  }
  const c = f.currency;
  $('change').textContent = f.due === undefined ? `Type an amount such as ${money(50, c)}`
    : f.due > 0 ? `${money(f.due, c)} still due` : `Change due: ${money(f.change, c)}`;
}

async function completeSale(event) {
  event.preventDefault();
  await adding;  // every scanned code is in the cart first
  fail('sale-error');
  const body = saleRequest();
  if (body.items.length === 0) return fail('sale-error', new Error('Add a product first.'));
  if (!body.session) return fail('sale-error', new Error('Open the drawer first: a sale counts in it.'));
  let figures;
  try {
    figures = quoted.key === JSON.stringify(body) && quoted.figures ? quoted.figures : await shop.orders.quote(body);
  } catch (e) {
    return fail('sale-error', e);
  }
  const pay = payment();
  if (pay === 'card') {
    // The card pays what the core says is due.
    if (figures.total > 0) body.payments = [{ method: 'card', amount: figures.total }];
  } else if (!body.payments || figures.due > 0) {
    $(pay === 'split' && !amountIn('card-amount') ? 'card-amount' : 'given').focus();
    return fail('sale-error', new Error(body.payments ? `${money(figures.due, figures.currency)} is still due.` : 'Type the amount the customer gave.'));
  }
  $('complete').disabled = true;
  const started = performance.now();
  try {
    const order = await shop.orders.create({ customerId: 'walk-in', ...body, shippingAddress: STORE_ADDRESS,
                                             ...(body.payments ? {} : { paymentMethod: pay }) },
                                           { idempotencyKey: saleKey });
    saleKey = crypto.randomUUID();
    receipt = { order };
    cart.clear();
    $('given').value = '';
    $('card-amount').value = '';
    $('discount-percent').value = '';
    $('discount-reason').value = '';
    $('discount-box').open = false;
    renderCart();
    renderReceipt();
    show('receipt');
    $('new-sale').focus();
    // From "Complete sale" to the receipt on screen (the next frame is painted with it).
    requestAnimationFrame(() => setTimeout(() => { window.till.lastSaleMs = performance.now() - started; }));
  } catch (e) {
    fail('sale-error', e);
    $('complete').disabled = false;
  }
}

function renderReceipt() {
  const { order, ret } = receipt;
  const header = settings?.receiptHeader ?? '';
  $('receipt').innerHTML = (ret ? refundSlip(ret, header, tillId) : saleReceipt(order, header, tillId)).text;
  $('print').textContent = ret ? 'Print refund slip' : 'Print receipt';
}

// A past receipt again (from the orders list), as the order is now.
async function reprint(code) {
  try {
    receipt = { order: await shop.orders.get(code) };
  } catch (e) {
    return fail('order-error', e);
  }
  renderReceipt();
  show('receipt');
  history.replaceState(null, '', '#receipt');
  $('print').focus();
}

// A commit changed items (a sale, another tab, a pulled page of up to hundreds of items): only
// what is on screen is read again. A product not shown may belong on the page: the page is read
// once more (one call), and the categories with it.
let reread = null;
async function changed(changes) {
  const products = new Set();
  const stock = new Set();
  let unseen = false;
  let drawerMoved = false;
  for (const { sk } of changes) {
    const code = sk.slice(sk.indexOf('#') + 1);
    if (sk.startsWith('PRODUCT#')) {
      if (known.has(code)) products.add(code);
      else unseen = true;
    } else if (sk.startsWith('INVENTORY#') && known.has(code)) stock.add(code);
    else if (sk.startsWith('ORDER#') && view() === 'orders') void loadOrders();
    else if (sk.startsWith('SESSION#')) drawerMoved = true;
  }
  if (drawerMoved) {
    void drawer.load().then(() => {
      if (view() !== 'drawer') return;
      void drawer.render();
      if (staff) void drawer.renderAll();
    });
  }
  if (unseen) {
    clearTimeout(reread);
    reread = setTimeout(() => {
      void grid.load();
      if (view() === 'stock') void stockList.load();
      void loadCategories();
    }, 200);
  }
  await Promise.all([...products].filter((c) => known.has(c)).map(async (code) => {
    const p = await shop.products.get(code).catch(() => null);
    if (p) known.set(code, { ...known.get(code), product: p });
  }));
  await Promise.all([...stock].map(async (code) => {
    const inv = await shop.inventory.get(code).catch(() => null);
    known.set(code, { ...known.get(code), inventory: inv });
  }));
  for (const code of new Set([...products, ...stock])) if (known.has(code)) patch(code);
}

// ---- orders -------------------------------------------------------------------------------
async function loadOrders() {
  const q = { order: 'desc', limit: PAGE, cursor: orderPages[orderPage] };
  const s = $('order-status').value;
  if (s) q.status = s;
  let page;
  try {
    page = await shop.orders.list(q);
  } catch (e) {
    $('orders').innerHTML = html`<p class="notice bad" role="alert">${e.message}</p>`.text;
    return;
  }
  orderPages[orderPage + 1] = page.lastSk;
  $('older').disabled = !page.lastSk;
  $('newer').disabled = orderPage === 0;
  $('page-no').textContent = `Page ${orderPage + 1}`;
  $('orders').innerHTML = page.items.length === 0 ? html`<p class="muted">No orders${s ? ` ${s}` : ''}.</p>`.text : html`<table class="stack">
    <thead><tr><th>Order</th><th>Placed</th><th>Customer</th><th class="num">Total</th><th>Status</th><th>Actions</th></tr></thead>
    <tbody>${page.items.map((o) => html`<tr data-order="${o.code}">
      <td data-label="Order"><strong>${o.code}</strong></td><td data-label="Placed">${time(o.attributes.placedAt)}</td>
      <td data-label="Customer">${o.attributes.customerId}</td>
      <td class="num" data-label="Total">${money(o.attributes.total, o.attributes.currency)}</td>
      <td data-label="Status"><span class="badge ${o.attributes.status === 'cancelled' ? 'bad' : o.attributes.status === 'delivered' ? 'ok' : ''}">${statusText(o.attributes)}</span></td>
      <td class="row actions">${(TRANSITIONS[o.attributes.status] ?? []).filter(([to]) => to !== 'cancelled' || !o.attributes.returns).map(([to, label]) => html`<button type="button"
        class="${to === 'cancelled' ? 'secondary' : ''}" data-to="${to}" data-code="${o.code}" aria-label="${`${label} ${o.code}`}">${label}</button>`)}
        <button type="button" class="secondary" data-receipt="${o.code}" aria-label="${`Receipt of ${o.code}`}">Receipt</button>
        ${o.attributes.status === 'cancelled' ? '' : html`<button type="button" class="secondary" data-return="${o.code}" aria-label="${`Return items of ${o.code}`}">Return</button>`}</td>
    </tr>`)}</tbody></table><p id="order-error" class="field-error" role="alert"></p>`.text;
}

async function transition(code, to) {
  if (to === 'cancelled' && !await ask(`Cancel order ${code}? Its reserved stock is released.`, 'Cancel order')) return;
  try {
    await shop.orders.updateStatus(code, to);
  } catch (e) {
    fail('order-error', e);
  }
}

// ---- stock and catalogue (staff) ------------------------------------------------------------
// A redraw while the user types into a part of the page would lose what was typed: such a part
// is redrawn when the focus leaves it instead.
const typing = (el) => el.contains(document.activeElement) && document.activeElement.tagName === 'INPUT';
function later(el, render) {
  if (!typing(el)) return false;
  el.addEventListener('focusout', () => setTimeout(() => { if (!typing(el)) render(); }), { once: true });
  return true;
}

function renderStock(error) {
  if (later($('stock'), renderStock)) return;
  if (!staff) {
    $('stock').innerHTML = html`<p class="muted">Stock and catalogue need a manager's sign-in.</p>`.text;
    $('new-product').hidden = true;
    return;
  }
  $('stock').innerHTML = html`<table class="stack"><thead><tr><th>Product</th><th class="num">In stock</th><th class="num">Reserved</th>
    <th class="num">Available</th><th>Restock</th><th>Set quantity</th></tr></thead>
    <tbody>${stockList.items.map((code) => {
      const p = product(code);
      const inv = known.get(code).inventory?.attributes;
      return html`<tr><td data-label="Product"><span>${p.name}<br><span class="muted">${p.code} · ${categoryName(p.attributes.categoryCode)}</span></span></td>
      <td class="num" data-label="In stock">${inv?.quantity ?? 0}</td><td class="num" data-label="Reserved">${inv?.reservedQuantity ?? 0}</td>
      <td class="num" data-label="Available">${available(p.code)}</td>
      <td data-label="Restock"><form class="row inline-form" data-restock="${p.code}"><input name="delta" inputmode="numeric" size="4" aria-label="${`Units of ${p.name} received`}" placeholder="+10">
        <button type="submit" class="secondary">Restock</button></form></td>
      <td data-label="Set quantity"><form class="row inline-form" data-set="${p.code}"><input name="quantity" inputmode="numeric" size="4" aria-label="${`New quantity of ${p.name}`}" placeholder="${inv?.quantity ?? 0}">
        <button type="submit" class="secondary">Set</button></form></td></tr>`;
    })}</tbody></table>${stockList.items.length === 0 ? html`<p class="muted">No product matches.</p>` : ''}
    <p id="stock-error" class="field-error" role="alert">${error?.message ?? ''}</p>`.text;
  $('stock-prev').disabled = stockList.page === 0;
  $('stock-next').disabled = !stockList.more;
  $('stock-page').textContent = `Page ${stockList.page + 1}`;
}

async function stockForm(form) {
  fail('stock-error');
  const code = form.dataset.restock ?? form.dataset.set;
  const text = form.elements[0].value.trim();
  if (!/^[+-]?\d{1,9}$/.test(text)) return fail('stock-error', new Error('Type a whole number of units.'));
  const n = Number(text);
  try {
    if (form.dataset.restock) await shop.inventory.update(code, { quantityDelta: n });
    // An absolute quantity carries the version this till saw: if the stock changed meanwhile on
    // the server, the sync reports a conflict (Problems) instead of overwriting it.
    else {
      const inv = known.get(code)?.inventory;
      await shop.inventory.update(code, { quantity: n, ...(inv ? { version: inv.version } : {}) });
    }
    form.reset();
  } catch (e) {
    fail('stock-error', e);
  }
}

async function createProduct(event) {
  event.preventDefault();
  fail('product-error');
  const f = new FormData(event.target);
  const get = (k) => String(f.get(k) ?? '').trim();
  // The price as typed: the core checks it against the currency's decimals.
  const price = /^\d{1,13}([.,]\d{1,6})?$/.test(get('price')) ? Number(get('price').replace(',', '.')) : null;
  const quantity = get('quantity') === '' ? 0 : Number(get('quantity'));
  if (price === null) return fail('product-error', new Error('Price must be an amount such as 12.50.'));
  if (!Number.isInteger(quantity) || quantity < 0) return fail('product-error', new Error('Opening stock must be a whole number.'));
  try {
    await shop.products.create({ code: get('code'), name: get('name'), categoryCode: get('categoryCode'), sku: get('sku'),
                                 price, currency: get('currency') });
    if (quantity > 0) await shop.inventory.update(get('code'), { quantity });
    event.target.reset();
  } catch (e) {
    fail('product-error', e);
  }
}

// ---- views --------------------------------------------------------------------------------
const VIEWS = ['sell', 'receipt', 'orders', 'returns', 'drawer', 'stock', 'problems'];
const view = () => VIEWS.find((v) => !$(`view-${v}`).hidden) ?? 'sell';
function show(name) {
  if (!VIEWS.includes(name) || (name === 'receipt' && !receipt)) name = 'sell';
  for (const v of VIEWS) $(`view-${v}`).hidden = v !== name;
  for (const a of document.querySelectorAll('nav.tabs a')) {
    if (a.dataset.view === (name === 'receipt' ? 'sell' : name)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (name === 'orders') void loadOrders();
  if (name === 'stock' && staff) void stockList.load();
  if (name === 'problems') void problems.render();
  if (name === 'drawer') {
    void drawer.render();
    if (staff) void drawer.renderAll();
  }
}

function wire() {
  window.addEventListener('hashchange', () => show(location.hash.slice(1)));
  $('search').addEventListener('input', () => void grid.reset());
  $('category').addEventListener('change', () => void grid.reset());
  $('stock-search').addEventListener('input', () => void stockList.reset());
  $('stock-category').addEventListener('change', () => void stockList.reset());
  for (const [pager, prev, next] of [[grid, 'grid-prev', 'grid-next'], [stockList, 'stock-prev', 'stock-next']]) {
    $(prev).addEventListener('click', () => { pager.page = Math.max(0, pager.page - 1); void pager.load(); });
    $(next).addEventListener('click', () => { pager.page++; void pager.load(); });
  }
  $('search').addEventListener('keydown', async (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    const typed = $('search').value.trim();
    if (typed === '') {
      $({ cash: 'given', split: 'card-amount' }[payment()] ?? 'complete').focus();  // the next thing to type
      return;
    }
    // A scanner types the barcode and Enter at once, and the next code right after: the box is
    // cleared now, and the look-up is of what was typed. A sale completes only after them.
    $('search').value = '';
    const lookup = adding.then(async () => {
      let found;
      try {
        found = await find(typed);
      } catch (err) {
        found = err;
      }
      if (!found || found instanceof Error) {
        if ($('search').value === '') $('search').value = typed;
        return fail('sale-error', found ?? new Error(`No product matches ${typed}.`));
      }
      fail('sale-error');
      learn([found]);
      add(found.code);
    });
    adding = lookup;
    await lookup;
    void grid.reset();
  });
  $('grid').addEventListener('click', (e) => {
    const b = e.target.closest('[data-add]');
    if (b) add(b.dataset.add);
  });
  $('cart').addEventListener('click', (e) => {
    const b = e.target.closest('button');
    if (b?.dataset.step) add(b.dataset.code, Number(b.dataset.step));
    if (b?.dataset.remove) {
      cart.delete(b.dataset.remove);
      renderCart();
      $('search').focus();
    }
  });
  $('cart').addEventListener('change', (e) => {
    const code = e.target.dataset?.qty;
    if (code) {
      const n = Math.floor(Number(e.target.value));
      if (n >= 1 && n <= 999) cart.set(code, n);
      else if (n === 0) cart.delete(code);
      renderCart(true);
      document.querySelector(`[data-qty="${CSS.escape(code)}"]`)?.focus();
    } else {
      renderCart(true);  // the tender changed: the core's figures again
    }
  });
  $('cart').addEventListener('keydown', (e) => {
    // Enter in a quantity applies it; only the payment fields complete the sale.
    if (e.key === 'Enter' && e.target.dataset?.qty) {
      e.preventDefault();
      e.target.dispatchEvent(new Event('change', { bubbles: true }));
    }
  });
  for (const id of ['discount-percent', 'discount-reason', 'given', 'card-amount']) $(id).addEventListener('input', () => renderCart(true));
  $('cart').addEventListener('submit', completeSale);
  $('new-sale').addEventListener('click', () => {
    show('sell');
    history.replaceState(null, '', '#sell');
    $('search').focus();
  });
  $('print').addEventListener('click', () => window.print());
  $('order-status').addEventListener('change', () => {
    orderPages.length = 1;
    orderPage = 0;
    void loadOrders();
  });
  $('older').addEventListener('click', () => { orderPage++; void loadOrders(); });
  $('newer').addEventListener('click', () => { orderPage = Math.max(0, orderPage - 1); void loadOrders(); });
  $('orders').addEventListener('click', (e) => {
    const b = e.target.closest('button');
    if (b?.dataset.to) void transition(b.dataset.code, b.dataset.to);
    if (b?.dataset.receipt) void reprint(b.dataset.receipt);
    if (b?.dataset.return) {
      location.hash = '#returns';
      void returns.find(b.dataset.return);
    }
  });
  $('park').addEventListener('click', park);
  $('parked-list').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-recall]');
    if (b) void recall(Number(b.dataset.recall));
  });
  drawer.wire();
  returns.wire();
  $('stock').addEventListener('submit', (e) => {
    e.preventDefault();
    void stockForm(e.target);
  });
  $('new-product').addEventListener('submit', createProduct);
  problems.wire();
  $('sync-now').addEventListener('click', async () => {
    $('sync-now').disabled = true;
    await shop.sync().catch(() => {});  // the bar shows the error
    $('sync-now').disabled = false;
    await refreshStatus();
  });
}

async function start() {
  window.till = { ready: false, lastSaleMs: null };
  $('till-name').textContent = tillId;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(tillId)) throw new Error('A till name is 1-64 of A-Z a-z 0-9 _ -');
  offlineShell((apply) => {
    $('update').hidden = false;
    $('update-now').onclick = async () => {
      await shop?.close();  // every save finished: the outbox is safe in IndexedDB
      apply();
    };
  }).catch(() => { /* no service worker: the till still works while the page is open */ });
  const token = await bearer(tokenKey, role, tillId);
  const roles = claims(token)?.['custom:roles'] ?? [];
  staff = roles.includes('manager') || roles.includes('admin');
  for (const el of document.querySelectorAll('[data-staff]')) el.hidden = !staff;
  shop = await openShop({ tenant: TENANT, user: tillId, roles, name: tillId,
                          server: { url: '', token: () => bearer(tokenKey, role, tillId, refusedToken(status?.lastError)), intervalMs: 10_000 } });
  window.till.shop = shop;
  await loadCurrencies(shop);
  shop.settings.watch((s) => {
    settings = s.attributes;
    if (view() === 'receipt' && receipt) renderReceipt();
  });
  problems = new Problems({ shop, alertsKey, conflicts: () => status?.conflicts ?? 0, shown: () => view() === 'problems', refreshStatus });
  drawer = new Drawer({ shop, tillId, currency: () => settings?.currency ?? 'USD', pending: async () => (await shop.syncStatus()).pending,
                       onChange: () => renderCart() });
  returns = new Returns({ shop, session: () => drawer.open?.code ?? null, tenders: () => settings?.tenders ?? ['cash', 'card'],
                          done: (ret) => {
                            receipt = { ret };
                            renderReceipt();
                            show('receipt');
                            history.replaceState(null, '', '#receipt');
                            $('new-sale').focus();
                          } });
  wire();
  await drawer.load();
  shop.addEventListener('changes', (e) => void changed(e.detail.changes));
  shop.addEventListener('syncstatus', (e) => {
    status = e.detail;
    renderSync();
    problems.renderCount();
    if (view() === 'problems') void problems.render();
  });
  shop.addEventListener('notification', (e) => {
    if (e.detail.type === 'inventory_reservation_failed') problems.keep(e.detail);
  });
  const following = () => {
    const f = shop.role() === 'follower';
    $('follower').hidden = !f;
    $('follower').textContent = f ? `Till ${tillId} is open in another tab, which keeps its database and syncs it. ` +
      'This tab follows it: what you do here goes through that tab, and it takes over when that tab closes.' : '';
  };
  following();
  setInterval(() => { following(); renderSync(); }, 1000);
  setInterval(() => void refreshStatus(), 3000);
  await refreshStatus();
  await Promise.all([grid.load(), loadCategories()]);
  show(location.hash.slice(1) || 'sell');
  // A first start sells what has arrived while the pull goes on: the grid fills page by page.
  if (grid.items.length === 0) void shop.sync().catch(() => {});
  window.till.ready = true;
  document.body.dataset.ready = 'true';
}

start().catch((e) => {
  $('fatal').hidden = false;
  $('fatal').textContent = `The till could not start: ${e.message ?? e}`;
  window.till.error = String(e.message ?? e);
});
