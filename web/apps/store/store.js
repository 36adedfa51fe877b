// The storefront: the EdgeCart module in the shopper's browser with a shopper's (customer's)
// token: it may read the catalogue and the stock, and create and read its own orders, nothing
// else. Orders are strict about stock (a shopper must know whether the goods are reserved) and
// reach the shop when the browser is online.
import { openShop } from '/dist/browser.js';
import {
  ago, bearer, categoryName, deviceId, esc, figureRows, html, loadCurrencies, minorUnits, money, offlineShell, refusedToken, statusText, time,
} from '/lib.js';

const TENANT = 'demo';
const CART_KEY = 'edgecart.store.cart';
const shopper = deviceId('edgecart.store.shopper', 'shopper');
const tokenKey = `edgecart.store.token.${shopper}`;
const PAYMENTS = [['credit_card', 'Credit card'], ['bank_transfer', 'Bank transfer'], ['cash_on_delivery', 'Cash on delivery']];
const $ = (id) => document.getElementById(id);

const PAGE = 24;                   // product cards a page
const SYNCED_KEY = 'edgecart.store.synced';

let shop;
let status = null;
// The products this page has read (code -> {product, inventory|null}): the cart's lines and the
// cards on screen. The catalogue itself is never held whole.
const known = new Map();
let checkoutKey = crypto.randomUUID();

// ---- the cart: [{code, quantity, price}] in localStorage, so it survives a reload -----------
// `price` is what the shopper saw when adding the line: the order is placed at it, and a
// catalogue that moved since is shown to the shopper to accept (the shop refuses an order at a
// price that is not its own: PRICE_CHANGED).
const readCart = () => {
  try {
    const c = JSON.parse(localStorage.getItem(CART_KEY) ?? '[]');
    return Array.isArray(c) ? c.filter((l) => typeof l.code === 'string' && Number.isInteger(l.quantity) && l.quantity > 0 &&
      (l.price === undefined || typeof l.price === 'number')) : [];
  } catch {
    return [];
  }
};
const writeCart = (c) => {
  localStorage.setItem(CART_KEY, JSON.stringify(c));
  renderCartLink();
};
function addToCart(code, n, seen = known.get(code)?.product.attributes.price) {
  const c = readCart();
  const line = c.find((l) => l.code === code);
  if (line) line.quantity += n;
  else c.push({ code, quantity: n, price: seen });
  writeCart(c.filter((l) => l.quantity > 0));
}
// Each line at the catalogue's price (`price`) and at the one the shopper saw (`seen`), its
// product read again (a product the shop no longer has drops out).
async function cartLines() {
  const cart = readCart();
  await Promise.all(cart.map((l) => product(l.code)));
  return cart.map((l) => {
    const p = known.get(l.code)?.product;
    return p ? { productCode: p.code, name: p.name, quantity: l.quantity, price: p.attributes.price, seen: l.price ?? p.attributes.price,
                 currency: p.attributes.currency } : null;
  }).filter(Boolean);
}
const priceChanges = (lines) => lines.filter((l) => minorUnits(l.seen, l.currency) !== minorUnits(l.price, l.currency));
function acceptPrices() {
  writeCart(readCart().map((l) => ({ ...l, price: known.get(l.code)?.product.attributes.price ?? l.price })));
}
function priceNotice(lines) {
  const changed = priceChanges(lines);
  if (changed.length === 0) return '';
  return html`<div class="notice warn" id="price-changes" role="alert"><p>${changed.length === 1 ? 'A price has' : 'Prices have'} changed since you added ${changed.length === 1 ? 'this item' : 'these items'}:</p>
    <ul>${changed.map((l) => html`<li>${l.name}: was ${money(l.seen, l.currency)}, now <strong>${money(l.price, l.currency)}</strong></li>`)}</ul>
    <button type="button" data-accept-prices="1">Accept the new ${changed.length === 1 ? 'price' : 'prices'}</button></div>`;
}
function renderCartLink() {
  const n = readCart().reduce((s, l) => s + l.quantity, 0);
  $('cart-link').textContent = n ? `Cart (${n})` : 'Cart';
}

const available = (code) => {
  const inv = known.get(code)?.inventory?.attributes;
  return inv ? Math.max(0, inv.quantity - inv.reservedQuantity) : 0;
};
function availability(code) {
  const n = available(code);
  return n === 0 ? html`<span class="badge bad">Out of stock</span>`
    : n <= 5 ? html`<span class="badge warn">Only ${n} left</span>` : html`<span class="badge ok">In stock</span>`;
}
const price = (p) => money(p.attributes.price, p.attributes.currency);
// The shop's currency, as its products last showed it (orders carry none of their own yet).
const CURRENCY_KEY = 'edgecart.store.currency';
const currency = () => localStorage.getItem(CURRENCY_KEY) ?? '';
function learn(entry) {
  known.set(entry.product.code, entry);
  if (entry.product.attributes.currency !== currency()) localStorage.setItem(CURRENCY_KEY, entry.product.attributes.currency);
}

// ---- reading the catalogue ------------------------------------------------------------------
// Once this device holds the whole catalogue (its first sync finished) every read is local, and
// the store works offline. Before that, a page is read from the server's API — the same routes,
// answered by the same core — so a first visit shows its first page at once while the copy
// fills in the background; offline, what has arrived is shown.
let complete = localStorage.getItem(SYNCED_KEY) === '1';
async function read(path, method = 'GET', body = undefined) {
  if (!complete && navigator.onLine !== false) {
    try {
      const headers = { authorization: `Bearer ${await bearer(tokenKey, 'customer', shopper)}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      if (r.status < 500) return { status: r.status, body: await r.json() };
    } catch { /* unreachable: this device's copy answers */ }
  }
  return shop.request(method, path, body);
}
// The core's figures of the cart at the catalogue's prices (each line's amount, subtotal, tax of
// each rate, total), as the shop will charge them: {figures, rows}, rows the html of the totals
// or of why there are none.
async function cartFigures(lines) {
  const r = await read('/orders/quote', 'POST', { items: lines.map(({ productCode, quantity }) => ({ productCode, quantity })) });
  return r.status === 200 ? { figures: r.body, rows: figureRows(r.body) }
    : { figures: null, rows: html`<p class="notice bad" role="alert">${r.body?.message ?? `HTTP ${r.status}`}</p>` };
}
async function must(path) {
  const r = await read(path);
  if (r.status >= 400) throw new Error(r.body?.message ?? `HTTP ${r.status}`);
  return r.body;
}
const query = (q) => {
  const parts = Object.entries(q).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
  return parts.length ? `?${parts.join('&')}` : '';
};
// A product and its stock by code, kept in `known`; null if the shop has no such product.
async function product(code) {
  const [p, inv] = await Promise.all([read(`/products/${encodeURIComponent(code)}`), read(`/inventory/${encodeURIComponent(code)}`)]);
  if (p.status === 404) {
    known.delete(code);
    return null;
  }
  if (p.status >= 400) throw new Error(p.body?.message ?? `HTTP ${p.status}`);
  const entry = { product: p.body, inventory: inv.status === 200 ? inv.body : null };
  learn(entry);
  return entry;
}
let categories = null;
async function categoryList() {
  categories ??= must('/categories').then((r) => r.items.map((c) => c.code)).catch((e) => {
    categories = null;
    throw e;
  });
  return categories;
}

// ---- views ----------------------------------------------------------------------------------
// A page of products: a category's, a search's or all, `after` the cursor of the page before.
async function catalogueView({ category = '', q = '', after = '' }) {
  const [cats, page] = await Promise.all([categoryList(), must(`/products${query({
    isActive: true, include: 'stock', limit: PAGE, categoryCode: category, q: /[\p{L}\p{N}]/u.test(q) ? q : '', cursor: after })}`)]);
  for (const { inventory, ...p } of page.items) learn({ product: p, inventory });
  const here = q ? `#/search/${encodeURIComponent(q)}` : category ? `#/category/${encodeURIComponent(category)}` : '#/';
  const title = q ? `Results for “${q}”` : category ? categoryName(category) : 'All products';
  return html`<h2>${title}</h2>
    <nav class="row cats" aria-label="Categories">
      <a href="#/" ${category || q ? '' : html`aria-current="page"`}>All</a>
      ${cats.map((c) => html`<a href="#/category/${encodeURIComponent(c)}" ${c === category ? html`aria-current="page"` : ''}>${categoryName(c)}</a>`)}
    </nav>
    ${page.items.length === 0 ? html`<p class="muted">${q ? 'No product matches your search.'
      : complete ? 'No products here.' : 'The catalogue is not on this device yet: it loads as soon as you are online.'}</p>` : ''}
    <ul class="products">${page.items.map((p) => html`<li class="card product" data-product="${p.code}">
      <h3><a href="#/product/${encodeURIComponent(p.code)}">${p.name}</a></h3>
      <p class="muted grow">${p.attributes.description}</p>
      <p class="spread"><span class="price">${price(p)}</span> ${availability(p.code)}</p>
      <button type="button" data-add="${p.code}" data-name="${p.name}" ${available(p.code) === 0 ? 'disabled' : ''}
        aria-label="${`Add to cart: ${p.name}`}">Add to cart</button>
    </li>`)}</ul>
    <nav class="row pager" aria-label="Pages">${after ? html`<a href="${here}">First page</a>` : ''}
      ${page.lastSk ? html`<a href="${here}?after=${encodeURIComponent(page.lastSk)}" rel="next">Next page</a>` : ''}</nav>`;
}

async function detail(code) {
  const entry = await product(code);
  if (!entry) return html`<p class="notice bad">No product ${code}.</p><p><a href="#/">Back to the shop</a></p>`;
  const p = entry.product;
  const n = available(code);
  return html`<article class="detail card">
    <p class="muted"><a href="#/category/${encodeURIComponent(p.attributes.categoryCode)}">${categoryName(p.attributes.categoryCode)}</a> · SKU ${p.attributes.sku}</p>
    <h2>${p.name}</h2>
    <p>${p.attributes.description}</p>
    <p class="price">${price(p)}</p>
    <p>${availability(code)}</p>
    ${n > 0 ? html`<form id="add-form" class="row" novalidate>
      <label>Quantity <input id="add-qty" class="qty-field" type="number" min="1" max="${n}" value="1"></label>
      <button type="submit">Add to cart</button></form><p id="add-error" class="field-error" role="alert"></p>` : ''}
    <p><a href="#/">Back to the shop</a></p></article>`;
}

async function cartView() {
  const lines = await cartLines();
  if (lines.length === 0) return html`<h2>Your cart</h2><p>Your cart is empty.</p><p><a href="#/">Browse the shop</a></p>`;
  const { figures, rows } = await cartFigures(lines);
  const short = lines.filter((l) => l.quantity > available(l.productCode));
  return html`<h2>Your cart</h2>
    ${priceNotice(lines)}
    <div class="table-wrap"><table><thead><tr><th>Product</th><th>Quantity</th><th class="num">Total</th><th><span class="visually-hidden">Remove</span></th></tr></thead>
    <tbody>${lines.map((l, i) => html`<tr>
      <td><a href="#/product/${l.productCode}">${l.name}</a><br><span class="muted">${money(l.price, l.currency)} each</span></td>
      <td><input type="number" class="qty-field" min="1" max="999" value="${l.quantity}" data-qty="${l.productCode}" aria-label="${`Quantity of ${l.name}`}"></td>
      <td class="num">${figures ? money(figures.items[i].amount, figures.currency) : ''}</td>
      <td><button type="button" class="link" data-remove="${l.productCode}" aria-label="${`Remove ${l.name}`}">Remove</button></td></tr>`)}
    </tbody></table></div>
    ${short.length ? html`<p class="notice warn">${short.map((l) => `Only ${available(l.productCode)} of ${l.name} left. `)}</p>` : ''}
    ${rows}
    ${priceChanges(lines).length ? '' : html`<p><a class="button" href="#/checkout">Checkout</a></p>`}`;
}

const FIELDS = [
  ['street', 'Street and number', (v) => v.length >= 3 && v.length <= 200 ? '' : 'Type the street and number (3 to 200 characters).'],
  ['city', 'City', (v) => v.length >= 2 && v.length <= 100 ? '' : 'Type the city.'],
  ['postalCode', 'Postal code', (v) => /^[A-Za-z0-9][A-Za-z0-9 -]{1,11}$/.test(v) ? '' : 'Type a postal code such as 100-0001.'],
  ['country', 'Country (2-letter code)', (v) => /^[A-Za-z]{2}$/.test(v) ? '' : 'Type a 2-letter country code such as JP.'],
];

async function checkoutView() {
  const lines = await cartLines();
  if (lines.length === 0) return cartView();
  const { rows } = await cartFigures(lines);
  const saved = JSON.parse(sessionStorage.getItem('edgecart.store.address') ?? '{}');
  const changed = priceChanges(lines).length > 0;
  return html`<h2>Checkout</h2>${priceNotice(lines)}<div class="checkout">
    <form id="checkout" class="card" novalidate aria-labelledby="ship-title">
      <h3 id="ship-title">Shipping address</h3>
      <div class="form-grid">${FIELDS.map(([name, label]) => html`<div>
        <label for="f-${name}">${label}</label>
        <input id="f-${name}" name="${name}" required value="${saved[name] ?? (name === 'country' ? 'JP' : '')}"
          autocomplete="${{ street: 'street-address', city: 'address-level2', postalCode: 'postal-code', country: 'country' }[name]}"
          aria-describedby="e-${name}">
        <p id="e-${name}" class="field-error"></p></div>`)}</div>
      <fieldset><legend>Payment method</legend>
        ${PAYMENTS.map(([v, label], i) => html`<label class="radio"><input type="radio" name="paymentMethod" value="${v}" ${(saved.paymentMethod ?? PAYMENTS[0][0]) === v ? 'checked' : ''}> ${label}</label>`)}
      </fieldset>
      <p id="checkout-error" class="field-error" role="alert"></p>
      <button type="submit" id="place" ${changed ? 'disabled' : ''}>Place order</button>
    </form>
    <aside class="card" aria-labelledby="summary-title"><h3 id="summary-title">Order summary</h3>
      <ul>${lines.map((l) => html`<li>${l.quantity} × ${l.name}</li>`)}</ul>
      ${rows}</aside></div>`;
}

async function placeOrder(form) {
  const values = Object.fromEntries(FIELDS.map(([name]) => [name, String(form.elements[name].value).trim()]));
  let firstBad = null;
  for (const [name, , check] of FIELDS) {
    const problem = check(values[name]);
    form.elements[name].setAttribute('aria-invalid', problem ? 'true' : 'false');
    $(`e-${name}`).textContent = problem;
    if (problem && !firstBad) firstBad = form.elements[name];
  }
  $('checkout-error').textContent = '';
  if (firstBad) {
    firstBad.focus();
    return;
  }
  values.country = values.country.toUpperCase();
  const paymentMethod = form.elements.paymentMethod.value;
  sessionStorage.setItem('edgecart.store.address', JSON.stringify({ ...values, paymentMethod }));
  $('place').disabled = true;
  try {
    const order = await shop.orders.create({
      // At the prices the shopper saw: the shop refuses them if they are no longer its own.
      items: (await cartLines()).map(({ productCode, quantity, seen }) => ({ productCode, quantity, price: seen })),
      shippingAddress: values,
      paymentMethod,
    }, { stock: 'strict', idempotencyKey: checkoutKey });
    checkoutKey = crypto.randomUUID();
    writeCart([]);
    location.hash = `#/order/${order.code}`;
  } catch (e) {
    if (e.code === 'PRICE_CHANGED') {  // the catalogue moved under the page: show it, let the shopper accept
      await render(true);
      return;
    }
    $('checkout-error').textContent = e.code === 'INSUFFICIENT_INVENTORY'
      ? `${e.message}. Change the quantity in your cart.` : e.message;
    $('place').disabled = false;
  }
}

// Where an order stands: stock reserved (here, strictly) and whether the shop has it yet.
async function orderView(code) {
  const problem = (await shop.conflicts()).find((p) => p.command?.code === code);
  const order = await shop.orders.get(code).catch(() => null);
  if (problem) {
    const repriced = problem.body?.code === 'PRICE_CHANGED';
    return html`<h2>Order ${code}</h2>
      <p class="notice bad" id="order-state">The shop could not accept this order: ${problem.body?.message ?? problem.outcome}. Nothing was charged and no stock is held for it.</p>
      <div class="row">${repriced ? html`<button type="button" data-reorder="${problem.seq}">Review the new prices</button> ` : ''}<button type="button" data-discard="${problem.seq}">Remove it</button> <a href="#/">Back to the shop</a></div>`;
  }
  if (!order) return html`<p class="notice bad">No order ${code} on this device.</p>`;
  const a = order.attributes;
  const sent = status && status.pending === 0;
  const reserved = order.reservation?.state === 'held' || order.reservation?.state === 'deducted';
  return html`<h2>Thank you! Order ${order.code}</h2>
    <p class="notice ${reserved ? 'ok' : 'warn'}" id="order-state">${reserved
      ? (sent ? 'Your items are reserved, and the shop has your order.' : 'Your items are reserved on this device. The order is sent to the shop as soon as you are online.')
      : `Your items could not be reserved${order.reservation?.error ? `: ${order.reservation.error}` : ''}.`}</p>
    <div class="card detail"><p>Status: <strong>${statusText(a)}</strong> · placed ${time(a.placedAt)}</p>
    <ul>${a.items.map((l) => html`<li>${l.quantity} × ${l.name} (${money(l.price, a.currency ?? currency())})</li>`)}</ul>
    ${figureRows({ currency: currency(), ...a })}
    <p class="muted">Ship to ${a.shippingAddress.street}, ${a.shippingAddress.postalCode} ${a.shippingAddress.city}, ${a.shippingAddress.country}
      · ${(PAYMENTS.find(([v]) => v === a.paymentMethod) ?? [0, a.paymentMethod])[1]}</p></div>
    <p><a href="#/orders">My orders</a> · <a href="#/">Continue shopping</a></p>`;
}

async function ordersView() {
  const page = await shop.orders.list({ order: 'desc', limit: 50 });
  if (page.items.length === 0) return html`<h2>My orders</h2><p>No orders yet.</p>`;
  return html`<h2>My orders</h2><div class="table-wrap"><table class="stack"><thead><tr><th>Order</th><th>Placed</th><th class="num">Total</th><th>Status</th></tr></thead>
    <tbody>${page.items.map((o) => html`<tr><td data-label="Order"><a href="#/order/${o.code}">${o.code}</a></td>
      <td data-label="Placed">${time(o.attributes.placedAt)}</td>
      <td class="num" data-label="Total">${money(o.attributes.total, o.attributes.currency ?? currency())}</td><td data-label="Status"><span class="badge">${statusText(o.attributes)}</span></td></tr>`)}
    </tbody></table></div>`;
}

let rendering = Promise.resolve();
function render(focus = false) {
  rendering = rendering.then(async () => {
    const [, route = '', arg = '', after = ''] = /^#\/([a-z]*)\/?([^?]*)(?:\?after=(.*))?$/.exec(location.hash) ?? [];
    const code = decodeURIComponent(arg);
    const cursor = decodeURIComponent(after);
    let view;
    try {
      view = route === 'product' ? await detail(code) : route === 'category' ? await catalogueView({ category: code, after: cursor })
        : route === 'search' ? await catalogueView({ q: code, after: cursor }) : route === 'cart' ? await cartView()
          : route === 'checkout' ? await checkoutView() : route === 'order' ? await orderView(code)
            : route === 'orders' ? await ordersView() : await catalogueView({ after: cursor });
    } catch (e) {
      view = html`<p class="notice bad" role="alert">${e.message}</p>`;
    }
    // Keep what the shopper is doing: a background refresh never redraws the checkout form (its
    // values and messages), nor a product page while its quantity is being typed.
    if (!focus && route === 'checkout' && $('checkout')) return;
    if (!focus && route === 'product' && $('view').contains(document.activeElement) &&
        document.activeElement.tagName === 'INPUT') return;
    $('view').innerHTML = view.text;
    // After a navigation, the chosen category in sight in its row (on a phone the row scrolls
    // sideways); a background redraw never moves the page.
    if (focus) $('view').querySelector('.cats [aria-current]')?.scrollIntoView?.({ block: 'nearest', inline: 'center' });
    for (const a of document.querySelectorAll('.store-nav a')) {
      const here = a.getAttribute('href') === `#/${route === 'category' || route === 'product' || route === 'search' ? '' : route}`;
      if (here) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (focus) {
      const h = $('view').querySelector('h2');
      if (h) {
        h.tabIndex = -1;
        h.focus();
      }
    }
  });
  return rendering;
}

function renderNet() {
  if (!status) return;
  const waiting = status.pending;
  // The live part is replaced only when it changed; the age, redrawn every few seconds, is not live.
  const text = `${status.online ? 'Online' : 'Offline: you can keep shopping; orders are sent when you are back online'}` +
    `${waiting ? ` · ${waiting} ${waiting === 1 ? 'change' : 'changes'} waiting to be sent` : ''}` +
    `${status.lastError && status.online ? ` · ${status.lastError}` : ''}`;
  if ($('net').textContent !== text) $('net').textContent = text;
  $('net-age').textContent = status.lastSyncAt ? `· updated ${ago(status.lastSyncAt)}` : '';
}

function wire() {
  window.addEventListener('hashchange', () => void render(true));
  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = $('q').value.trim();
    location.hash = q ? `#/search/${encodeURIComponent(q)}` : '#/';
  });
  $('view').addEventListener('click', async (e) => {
    const b = e.target.closest('button');
    if (b?.dataset.add) {
      addToCart(b.dataset.add, 1);
      b.textContent = 'Added ✓';
      b.setAttribute('aria-label', `Added to cart: ${b.dataset.name}`);
      setTimeout(() => {
        b.textContent = 'Add to cart';
        b.setAttribute('aria-label', `Add to cart: ${b.dataset.name}`);
      }, 1200);
    }
    if (b?.dataset.remove) {
      writeCart(readCart().filter((l) => l.code !== b.dataset.remove));
      await render();
    }
    if (b?.dataset.discard) {
      await shop.resolveConflict(Number(b.dataset.discard), 'discard');
      location.hash = '#/orders';
    }
    if (b?.dataset.reorder) {  // an order the shop refused for its prices: back to the cart, at the prices it had
      const problem = (await shop.conflicts()).find((p) => p.seq === Number(b.dataset.reorder));
      for (const l of problem?.command?.body?.items ?? []) addToCart(l.productCode, l.quantity, l.price);
      await shop.resolveConflict(Number(b.dataset.reorder), 'discard');
      location.hash = '#/cart';
    }
    if (b?.dataset.acceptPrices) {
      acceptPrices();
      await render(true);
    }
  });
  $('view').addEventListener('change', (e) => {
    const code = e.target.dataset?.qty;
    if (!code) return;
    const n = Math.floor(Number(e.target.value));
    writeCart(readCart().map((l) => (l.code === code ? { ...l, quantity: n } : l)).filter((l) => l.quantity > 0));
    void render();
  });
  $('view').addEventListener('submit', (e) => {
    e.preventDefault();
    if (e.target.id === 'checkout') void placeOrder(e.target);
    if (e.target.id === 'add-form') {
      const code = decodeURIComponent(/^#\/product\/(.*)$/.exec(location.hash)?.[1] ?? '');
      const n = Math.floor(Number($('add-qty').value));
      if (!(n >= 1 && n <= available(code))) {
        $('add-error').textContent = `Choose 1 to ${available(code)}.`;
        return;
      }
      addToCart(code, n);
      location.hash = '#/cart';
    }
  });
}

async function start() {
  window.store = { ready: false };
  renderCartLink();
  offlineShell((apply) => {
    $('update').hidden = false;
    $('update-now').onclick = async () => {
      await shop?.close();
      apply();
    };
  }).catch(() => {});
  await bearer(tokenKey, 'customer', shopper);
  shop = await openShop({ tenant: TENANT, user: shopper, roles: ['customer'], name: 'store',
                          server: { url: '', token: () => bearer(tokenKey, 'customer', shopper, refusedToken(status?.lastError)), leaseSize: 5, intervalMs: 15_000 } });
  window.store.shop = shop;
  await loadCurrencies(shop);
  wire();
  // Once the copy is whole, what changes is shown from it; before, pages come from the server.
  let timer = null;
  shop.addEventListener('changes', () => {
    if (!complete) return;
    clearTimeout(timer);
    timer = setTimeout(() => void render(), 100);
  });
  shop.addEventListener('syncstatus', (e) => {
    status = e.detail;
    renderNet();
    if (/^#\/order\//.test(location.hash)) void render();
  });
  status = await shop.syncStatus();
  renderNet();
  setInterval(renderNet, 5000);
  if (complete && (await shop.products.list({ limit: 1 })).items.length === 0) complete = false;  // the database was cleared
  if (!complete) {
    // The first sync fills this device's copy in the background; from then on it answers.
    const fill = () => shop.sync().then(() => {
      complete = true;
      localStorage.setItem(SYNCED_KEY, '1');
      void render();
    }, () => setTimeout(fill, 5000));
    void fill();
  }
  await render();
  window.store.ready = true;
  document.body.dataset.ready = 'true';
}

start().catch((e) => {
  $('view').innerHTML = `<p class="notice bad" role="alert">The store could not start: ${esc(e.message ?? e)}</p>`;
  window.store.error = String(e.message ?? e);
});
