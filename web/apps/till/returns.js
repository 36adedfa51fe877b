// Returns at the counter (docs/till.md): a receipt's code is scanned or typed, the cashier picks
// the units coming back and whether each goes back to stock; the core computes the refund.
import { html, money } from '/lib.js';
import { tenderName } from './receipt.js';

const $ = (id) => document.getElementById(id);

export class Returns {
  // `session()`: the open drawer session's code, or null; `done(ret)`: a return was made.
  constructor({ shop, session, tenders, done }) {
    Object.assign(this, { shop, session, tenders, done });
    this.order = null;
  }

  wire() {
    $('return-find').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.find($('return-code').value.trim());
    });
    $('return-lines').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.refund();
    });
  }

  // Shows the order `code` with what may still come back of each line.
  async find(code) {
    $('return-error').textContent = '';
    $('return-code').value = code;
    if (!code) return this.fail('Scan or type the code on the receipt.', 'return-code');
    try {
      this.order = await this.shop.orders.get(code);
    } catch (e) {
      this.order = null;
      this.render();
      return this.fail(e.status === 404 ? `No sale ${code} on this till: check the code, or sync and try again.` : e.message, 'return-code');
    }
    this.render();
    document.querySelector('[data-return-qty]')?.focus();
  }

  render() {
    const o = this.order;
    if (!o) {
      $('return-lines').innerHTML = '';
      return;
    }
    const a = o.attributes;
    const c = a.currency;
    const tenders = this.tenders();
    $('return-lines').innerHTML = html`
      <h3>Sale ${o.code} <span class="muted">${a.status === 'cancelled' ? '(cancelled)' : ''}</span></h3>
      <table class="stack"><thead><tr><th>Item</th><th class="num">Sold</th><th class="num">Returned</th><th>Return now</th><th>Back to stock</th></tr></thead>
      <tbody>${a.items.map((l, i) => {
        const left = l.quantity - (l.returnedQuantity ?? 0);
        return html`<tr><td data-label="Item">${l.name}<br><span class="muted">${money(l.price, c)} each</span></td>
          <td class="num" data-label="Sold">${l.quantity}</td><td class="num" data-label="Returned">${l.returnedQuantity ?? 0}</td>
          <td data-label="Return now"><input type="number" min="0" max="${left}" value="0" data-return-qty="${i}" aria-label="${`Units of ${l.name} returned`}" ${left === 0 ? 'disabled' : ''}></td>
          <td data-label="Back to stock"><label class="inline"><input type="checkbox" data-restock="${i}" checked aria-label="${`Put ${l.name} back in stock`}"> <span>Restock</span></label></td></tr>`;
      })}</tbody></table>
      ${a.refunded ? html`<p class="muted">Refunded before: ${money(a.refunded, c)} (${(a.returns ?? []).join(', ')})</p>` : ''}
      <div class="form-grid">
        <label>Refund by <select id="refund-method">${tenders.map((t) => html`<option value="${t}">${tenderName(t)}</option>`)}</select></label>
        <label>Reason <input id="return-reason" autocomplete="off" maxlength="256"></label>
      </div>
      <button type="submit">Refund</button>`.text;
  }

  async refund() {
    const a = this.order.attributes;
    const lines = [];
    for (const input of document.querySelectorAll('[data-return-qty]')) {
      const n = Number(input.value);
      if (!Number.isInteger(n) || n < 0) return this.fail('Type whole units.', null, input);
      if (n === 0) continue;
      const i = Number(input.dataset.returnQty);
      lines.push({ productCode: a.items[i].productCode, quantity: n,
                   restock: document.querySelector(`[data-restock="${i}"]`).checked });
    }
    if (lines.length === 0) return this.fail('Choose the units coming back.', null, document.querySelector('[data-return-qty]'));
    const session = this.session();
    if (!session) return this.fail('Open the drawer first: a refund comes out of it.', null);
    const reason = $('return-reason').value.trim();
    try {
      const ret = await this.shop.returns.create({ orderCode: this.order.code, lines, refundMethod: $('refund-method').value, session,
                                                   ...(reason ? { reason } : {}) });
      this.order = null;
      $('return-code').value = '';
      this.render();
      this.done(ret);
    } catch (e) {
      this.fail(e.message, null);
    }
  }

  fail(message, id, el) {
    $('return-error').textContent = message;
    (el ?? (id ? $(id) : null))?.focus();
  }
}
