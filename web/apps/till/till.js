// The till (point of sale): the EdgeCart module in this browser, its state in IndexedDB, selling
// offline with leased order codes and reconciling with the server when online.
//   /till/            this browser's till (its id is kept in localStorage)
//   /till/?till=NAME  another till in the same browser (its own database)
//   &role=cashier     a till run with a cashier's token (no stock screens); default manager
import { openShop } from '/dist/browser.js';
import {
  amountOf, bearer, claims, deviceId, figureRows, html, later, loadCurrencies, money, offlineShell, refusedToken,
} from '/lib.js';
import { Catalogue } from './catalogue.js';
import { Drawer } from './drawer.js';
import { SellGrid, loadCategories } from './grid.js';
import { Orders } from './orders.js';
import { Parked } from './parked.js';
import { Problems } from './problems.js';
import { refundSlip, saleReceipt } from './receipt.js';
import { Returns } from './returns.js';
import { Stock } from './stock.js';
import { renderSync } from './syncbar.js';

const TENANT = 'demo';
const STORE_ADDRESS = { street: 'Counter sale', city: 'Tokyo', postalCode: '100-0001', country: 'JP' };
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const tillId = params.get('till') ?? deviceId('edgecart.till.id', 'till');
const role = params.get('role') ?? 'manager';
const tokenKey = `edgecart.till.token.${tillId}`;
const alertsKey = `edgecart.till.alerts.${tillId}`;  // this till's stock alerts (problems.js)
const parked = new Parked(`edgecart.till.parked.${tillId}`);

let shop;
let staff = false;
const GRID_PAGE = 48;
const catalogue = new Catalogue(); // the products on screen and in the cart (catalogue.js)
const cart = new Map();            // code -> quantity, in the order added
let adding = Promise.resolve();    // the look-ups of scanned codes not yet in the cart
let saleKey = crypto.randomUUID(); // one idempotency key per sale: a retried "Complete sale" sells once
let receipt = null;                // {order} (a sale's receipt) or {ret} (a refund slip)
let drawer = null;                 // this till's cash drawer (drawer.js)
let returns = null;                // the returns screen (returns.js)
let problems = null;               // the Problems panel (problems.js)
let orders = null;                 // the orders screen (orders.js)
let stock = null;                  // the stock and catalogue screen (stock.js)
let status = null;
let settings = null;               // the shop's settings (receipt header), kept current by a live query
// The core's figures of the cart (orders.quote): {key, figures, error} for the request `key`.
let quoted = { key: '', figures: null, error: null };
let asked = '';

const available = (code) => catalogue.available(code);
const product = (code) => catalogue.product(code);
const cartLines = () => [...cart].map(([code, quantity]) => {
  const p = product(code);
  return { productCode: code, name: p.name, quantity, price: p.attributes.price, currency: p.attributes.currency };
});
const fail = (el, e) => { $(el).textContent = e ? e.message ?? String(e) : ''; };

// ---- the sync bar (syncbar.js) ----------------------------------------------------------------
async function refreshStatus() {
  try {
    status = await shop.syncStatus();
    renderSync(status);
    problems.renderCount();
  } catch { /* closing */ }
}

// ---- the catalogue and the sale --------------------------------------------------------------
// What no screen shows any more is forgotten when a page arrives (the cart's products stay).
function loaded(items) {
  catalogue.learn(items);
  catalogue.forget((code) => grid.shows(code) || stock?.shows(code) || cart.has(code));
}
const grid = new SellGrid({ shop: () => shop, catalogue, size: GRID_PAGE, loaded, add: (code) => add(code) });

// Redraws one product where it shows (its tile, its cart line, its stock row) after a change.
function patch(code) {
  grid.patch(code);
  if (cart.has(code)) renderCart();
  if (stock.shows(code) && view() === 'stock') stock.render();
}

function add(code, n = 1) {
  cart.set(code, Math.max(0, (cart.get(code) ?? 0) + n));
  if (cart.get(code) === 0) cart.delete(code);
  renderCart();
}

// What the customer hands over, as typed (a card alone pays the core's total, at completion).
function tenders() {
  const pay = payment();
  const card = pay === 'split' ? amountOf($('card-amount').value) : null;
  const cash = pay === 'card' ? null : amountOf($('given').value);
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
    catalogue.update(code, { product: p, inventory: await shop.inventory.get(code).catch(() => null) });
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
    $(pay === 'split' && !amountOf($('card-amount').value) ? 'card-amount' : 'given').focus();
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
    return orders.fail(e);
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
  const stocked = new Set();
  let unseen = false;
  let drawerMoved = false;
  for (const { sk } of changes) {
    const code = sk.slice(sk.indexOf('#') + 1);
    if (sk.startsWith('PRODUCT#')) {
      if (catalogue.has(code)) products.add(code);
      else unseen = true;
    } else if (sk.startsWith('INVENTORY#') && catalogue.has(code)) stocked.add(code);
    else if (sk.startsWith('ORDER#') && view() === 'orders') void orders.load();
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
      if (view() === 'stock') void stock.load();
      void loadCategories(shop);
    }, 200);
  }
  await Promise.all([...products].filter((c) => catalogue.has(c)).map(async (code) => {
    const p = await shop.products.get(code).catch(() => null);
    if (p) catalogue.update(code, { product: p });
  }));
  await Promise.all([...stocked].map(async (code) => {
    catalogue.update(code, { inventory: await shop.inventory.get(code).catch(() => null) });
  }));
  for (const code of new Set([...products, ...stocked])) if (catalogue.has(code)) patch(code);
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
  if (name === 'orders') void orders.load();
  if (name === 'stock') void stock.load();
  if (name === 'problems') void problems.render();
  if (name === 'drawer') {
    void drawer.render();
    if (staff) void drawer.renderAll();
  }
}

function wire() {
  window.addEventListener('hashchange', () => show(location.hash.slice(1)));
  grid.wire();
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
        found = await grid.find(typed);
      } catch (err) {
        found = err;
      }
      if (!found || found instanceof Error) {
        if ($('search').value === '') $('search').value = typed;
        return fail('sale-error', found ?? new Error(`No product matches ${typed}.`));
      }
      fail('sale-error');
      catalogue.learn([found]);
      add(found.code);
    });
    adding = lookup;
    await lookup;
    void grid.reset();
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
  orders.wire();
  $('park').addEventListener('click', park);
  $('parked-list').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-recall]');
    if (b) void recall(Number(b.dataset.recall));
  });
  drawer.wire();
  returns.wire();
  stock.wire();
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
  orders = new Orders({ shop, reprint, returnItems: (code) => {
    location.hash = '#returns';
    void returns.find(code);
  } });
  stock = new Stock({ shop, catalogue, staff, size: GRID_PAGE, loaded });
  wire();
  await drawer.load();
  shop.addEventListener('changes', (e) => void changed(e.detail.changes));
  shop.addEventListener('syncstatus', (e) => {
    status = e.detail;
    renderSync(status);
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
  setInterval(() => { following(); renderSync(status); }, 1000);
  setInterval(() => void refreshStatus(), 3000);
  await refreshStatus();
  await Promise.all([grid.load(), loadCategories(shop)]);
  show(location.hash.slice(1) || 'sell');
  // A first start sells what has arrived while the pull goes on: the grid fills page by page.
  if (grid.list.items.length === 0) void shop.sync().catch(() => {});
  window.till.ready = true;
  document.body.dataset.ready = 'true';
}

start().catch((e) => {
  $('fatal').hidden = false;
  $('fatal').textContent = `The till could not start: ${e.message ?? e}`;
  window.till.error = String(e.message ?? e);
});
