// What the till prints: a sale's receipt and a return's refund slip, from the core's figures.
import { figureRows, html, money, time } from '/lib.js';

// How a receipt names a tender.
const TENDER_NAMES = { cash: 'Cash', card: 'Card' };
export const tenderName = (m) => TENDER_NAMES[m] ?? m.replace(/[_-]/g, ' ');

// A sale's receipt: the shop's header, the lines (each marked with its rate when the order has
// more than one), the figures, each tender and the change, and what came back since.
export function saleReceipt(order, header, tillId) {
  const a = order.attributes;
  const c = a.currency;
  const paid = a.payments?.length ? html`${a.payments.map((p) => html`<dt>${tenderName(p.method)}${p.given !== undefined ? ' given' : ''}</dt>
      <dd class="num">${money(p.given ?? p.amount, c)}</dd>`)}
      ${a.change > 0 ? html`<dt>Change</dt><dd class="num" id="receipt-change">${money(a.change, c)}</dd>` : ''}`
    : html`<dt>Paid by</dt><dd class="num">${tenderName(a.paymentMethod)}</dd>`;
  return html`
    ${header ? html`<p class="receipt-header">${header}</p>` : ''}
    <h2>Receipt <span id="receipt-code">${order.code}</span></h2>
    <p class="muted">${time(a.placedAt)} · ${tillId}</p>
    <table><thead><tr><th>Item</th><th class="num">Qty</th><th class="num">Price</th><th class="num">Total</th></tr></thead>
    <tbody>${a.items.map((l) => html`<tr><td>${l.name}${(a.taxes?.length ?? 0) > 1 ? html` <span class="muted">(${l.taxRate} %)</span>` : ''}</td>
      <td class="num">${l.quantity}</td><td class="num">${money(l.price, c)}</td><td class="num">${money(l.amount, c)}</td></tr>`)}</tbody></table>
    ${figureRows(a, paid)}
    ${order.reservation?.state === 'none' ? html`<p class="notice warn">Stock could not be reserved: ${order.reservation.error}</p>` : ''}
    ${a.returns?.length ? html`<p class="muted">Returned: ${a.returns.join(', ')}; refunded ${money(a.refunded, c)}.</p>` : ''}
    <p class="muted">Thank you for shopping with us.</p>`;
}

// A refund slip: what came back (damaged goods marked), the tax given back, and the refund.
export function refundSlip(ret, header, tillId) {
  const a = ret.attributes;
  const c = a.currency;
  return html`
    ${header ? html`<p class="receipt-header">${header}</p>` : ''}
    <h2>Refund <span id="receipt-code">${ret.code}</span></h2>
    <p class="muted">${time(a.returnedAt)} · ${tillId} · sale ${a.orderCode}</p>
    <table><thead><tr><th>Item</th><th class="num">Qty</th><th class="num">Refund</th></tr></thead>
    <tbody>${a.lines.map((l) => html`<tr><td>${l.name}${l.restock ? '' : html` <span class="muted">(damaged)</span>`}</td>
      <td class="num">${l.quantity}</td><td class="num">${money(l.refund, c)}</td></tr>`)}</tbody></table>
    <dl class="totals">
      ${a.taxes.map((t) => html`<dt>Tax ${t.rate} % refunded</dt><dd class="num">${money(t.tax, c)}</dd>`)}
      <dt class="total">Refund by ${tenderName(a.refund.method)}</dt><dd class="num total" data-figure="refund">${money(a.refund.amount, c)}</dd>
    </dl>
    ${a.reason ? html`<p>Reason: ${a.reason}</p>` : ''}`;
}
