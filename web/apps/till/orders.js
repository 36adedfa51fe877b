// The orders screen: this till's orders, newest first, a page at a time, filtered by status, each
// with its next steps (docs/apps.md), its receipt again and a return.
import { TRANSITIONS, ask, html, money, statusText, time } from '/lib.js';

const $ = (id) => document.getElementById(id);
const PAGE = 20;

export class Orders {
  // `reprint(code)`: shows the receipt of order `code`; `returnItems(code)`: starts its return.
  constructor({ shop, reprint, returnItems }) {
    Object.assign(this, { shop, reprint, returnItems });
    this.cursors = [undefined];  // of the pages seen
    this.page = 0;
  }

  wire() {
    $('order-status').addEventListener('change', () => {
      this.cursors.length = 1;
      this.page = 0;
      void this.load();
    });
    $('older').addEventListener('click', () => { this.page++; void this.load(); });
    $('newer').addEventListener('click', () => { this.page = Math.max(0, this.page - 1); void this.load(); });
    $('orders').addEventListener('click', (e) => {
      const b = e.target.closest('button');
      if (b?.dataset.to) void this.transition(b.dataset.code, b.dataset.to);
      if (b?.dataset.receipt) void this.reprint(b.dataset.receipt);
      if (b?.dataset.return) this.returnItems(b.dataset.return);
    });
  }

  async load() {
    const q = { order: 'desc', limit: PAGE, cursor: this.cursors[this.page] };
    const s = $('order-status').value;
    if (s) q.status = s;
    let page;
    try {
      page = await this.shop.orders.list(q);
    } catch (e) {
      $('orders').innerHTML = html`<p class="notice bad" role="alert">${e.message}</p>`.text;
      return;
    }
    this.cursors[this.page + 1] = page.lastSk;
    $('older').disabled = !page.lastSk;
    $('newer').disabled = this.page === 0;
    $('page-no').textContent = `Page ${this.page + 1}`;
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

  async transition(code, to) {
    if (to === 'cancelled' && !await ask(`Cancel order ${code}? Its reserved stock is released.`, 'Cancel order')) return;
    try {
      await this.shop.orders.updateStatus(code, to);
    } catch (e) {
      this.fail(e);
    }
  }

  fail(e) {
    const el = $('order-error');
    if (el) el.textContent = e ? e.message ?? String(e) : '';
  }
}
