// What the till and the storefront share: HTML escaping, showing money, demo tokens,
// the service worker, times. Plain ES module; the order states are the package's.
import { TRANSITIONS as NEXT_STATUSES } from '/dist/browser.js';

/** Escapes text for HTML. */
export function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** A tagged template: interpolated values are escaped unless they come from html`` or raw(). */
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((v, i) => {
    const text = Array.isArray(v) ? v.map((x) => (x instanceof Raw ? x.text : esc(x))).join('') : v instanceof Raw ? v.text : esc(v);
    out += text + strings[i + 1];
  });
  return new Raw(out);
}
class Raw {
  constructor(text) { this.text = text; }
  toString() { return this.text; }
}
export const raw = (text) => new Raw(text);

// Money: the API's amounts are decimal numbers with at most their currency's ISO 4217 decimals.
// The apps show them as the core made them, with the decimals of the core's own table
// (loadCurrencies), and compute no figure of their own: totals, tax and discounts come from the
// core (orders.quote for a cart, the order for a receipt).
const currencyDecimals = new Map();
/** Loads the core's table of currencies (once, before anything is shown). */
export async function loadCurrencies(shop) {
  for (const c of await shop.currencies.list()) currencyDecimals.set(c.code, c.decimals);
}
export const decimalsOf = (currency) => currencyDecimals.get(currency) ?? 2;
/** An amount as the API gave it, shown with its currency's decimals: money(6, 'USD') -> 'USD 6.00'. */
export function money(amount, currency) {
  return `${currency ? `${currency} ` : ''}${Number(amount).toFixed(decimalsOf(currency))}`;
}
/** An amount typed at the counter as the API's number ("12,5" -> 12.5), null if none or not one: the core checks it against the currency's decimals. */
export function amountOf(text) {
  const t = text.trim();
  return /^\d{1,13}([.,]\d{1,6})?$/.test(t) ? Number(t.replace(',', '.')) : null;
}
/** A rate in percent as the API gives it: 8 -> '8 %'. */
export const percent = (rate) => `${rate} %`;
/** An API amount in minor units of `currency` (exact: the API's amounts have at most its decimals). */
export const minorUnits = (amount, currency) => Math.round(Number(amount) * 10 ** decimalsOf(currency));

/**
 * The figures of an order, as rows for a receipt or a cart: subtotal, each discount, tax of each
 * rate, total (all from the core). Returns html.
 */
export function figureRows(f, extra = '') {
  const c = f.currency;
  const lineDiscounts = f.items.filter((l) => l.discount);
  return html`<dl class="totals">
    <dt>Subtotal</dt><dd class="num" data-figure="subtotal">${money(f.subtotal, c)}</dd>
    ${lineDiscounts.map((l) => html`<dt>Discount: ${l.name} (${l.discount.reason})</dt><dd class="num">−${money(l.discount.amount, c)}</dd>`)}
    ${f.discount ? html`<dt>Discount${f.discount.percent !== undefined ? ` ${percent(f.discount.percent)}` : ''} (${f.discount.reason})</dt>
      <dd class="num" data-figure="discount">−${money(f.discount.amount, c)}</dd>` : ''}
    ${(f.taxes ?? []).map((t) => html`<dt>${f.pricesIncludeTax ? 'Incl. tax' : 'Tax'} ${percent(t.rate)} on ${money(t.base, c)}</dt>
      <dd class="num" data-figure="tax">${money(t.tax, c)}</dd>`)}
    ${f.taxes ? '' : html`<dt>Tax</dt><dd class="num" data-figure="tax">${money(f.tax, c)}</dd>`}
    <dt class="total">Total</dt><dd class="num total" data-figure="total">${money(f.total, c)}</dd>
    ${extra}</dl>`;
}

/** An order's status as people read it: a cancelled order the server expired says so. */
export const statusText = (a) => (a.status === 'cancelled' && a.cancelReason === 'expired' ? 'expired' : a.status);

/** The claims of a JWT (not verified: the server verifies), or null. */
export function claims(token) {
  try {
    return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return null;
  }
}

/**
 * A bearer token for `role` and `sub`, kept in localStorage so the app opens offline. Fetched from
 * the development server's /dev/token when missing or about to expire and the network is there;
 * a production deployment signs its users in and stores their token under the same key.
 * `renew`: fetch a new one even if the stored one looks fresh (the server refused it).
 */
export async function bearer(key, role, sub, renew = false) {
  let token = localStorage.getItem(key);
  const c = token ? claims(token) : null;
  const fresh = c && c.sub === sub && c.exp * 1000 > Date.now() + 3600_000;
  if (!fresh || renew) {
    try {
      const r = await fetch(`/dev/token?role=${encodeURIComponent(role)}&sub=${encodeURIComponent(sub)}`);
      if (r.ok) {
        token = (await r.json()).token;
        localStorage.setItem(key, token);
      }
    } catch { /* offline: keep the stored one */ }
  }
  if (!token) throw new Error('Signing in needs the network once: connect this device and reload.');
  return token;
}

/** Whether a sync error says the server refused the token (a new one may help). */
export const refusedToken = (error) => /Invalid token|Token expired|Token not yet valid|Missing bearer token/.test(error ?? '');

/** A stable id for this browser under `key`, such as "till-4f2a". */
export function deviceId(key, prefix) {
  let id = localStorage.getItem(key);
  if (!id) {
    id = `${prefix}-${crypto.getRandomValues(new Uint32Array(1))[0].toString(36).slice(0, 5)}`;
    localStorage.setItem(key, id);
  }
  return id;
}

/**
 * Registers the service worker that keeps the app shell for offline use (web/apps/sw.js).
 * `onUpdate(apply)` is called when a new build is ready; `apply()` (after the app closed its shop,
 * so every save is finished) switches to it and reloads.
 */
export async function offlineShell(onUpdate) {
  if (!('serviceWorker' in navigator)) return;
  const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  const apply = () => {
    const waiting = registration.waiting;
    if (!waiting) return location.reload();
    navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
    waiting.postMessage('activate');
  };
  const offer = () => { if (registration.waiting && navigator.serviceWorker.controller) onUpdate(apply); };
  offer();
  registration.addEventListener('updatefound', () => {
    registration.installing?.addEventListener('statechange', offer);
  });
  // Look for a new build now and then (the browser also does on navigation).
  setInterval(() => void registration.update().catch(() => {}), 60_000);
}

/** "just now", "5 s ago", "3 min ago", "2 h ago". */
export function ago(iso, now = Date.now()) {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

export const time = (iso) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The names of the actions that move an order to each status. */
const ACTIONS = { confirmed: 'Confirm', processing: 'Start processing', shipped: 'Ship', delivered: 'Mark delivered', cancelled: 'Cancel' };
/** Next statuses of an order (the core's state machine, from the package) and their actions' names. */
export const TRANSITIONS = Object.fromEntries(Object.entries(NEXT_STATUSES).map(([from, to]) => [from, to.map((s) => [s, ACTIONS[s]])]));

export const CATEGORIES = { ACC: 'Accessories', AUD: 'Audio', OFF: 'Office' };
export const categoryName = (code) => CATEGORIES[code] ?? code;

/** Asks a yes/no question in a modal <dialog>; resolves true for yes. */
export function ask(question, yes, no = 'Keep it') {
  return new Promise((resolve) => {
    const d = document.createElement('dialog');
    d.className = 'ask';
    d.setAttribute('aria-labelledby', 'ask-q');
    d.innerHTML = html`<form method="dialog"><p id="ask-q">${question}</p><div class="row">
      <button value="no" class="secondary">${no}</button> <button value="yes" class="danger">${yes}</button></div></form>`.text;
    document.body.append(d);
    d.addEventListener('close', () => {
      resolve(d.returnValue === 'yes');
      d.remove();
    });
    d.showModal();
    d.querySelector('button[value=no]').focus();
  });
}

// A redraw while the user types into a part of the page would lose what was typed: such a part
// is redrawn when the focus leaves it instead. True if `render` was put off so.
const typing = (el) => el.contains(document.activeElement) && document.activeElement.tagName === 'INPUT';
export function later(el, render) {
  if (!typing(el)) return false;
  el.addEventListener('focusout', () => setTimeout(() => { if (!typing(el)) render(); }), { once: true });
  return true;
}
