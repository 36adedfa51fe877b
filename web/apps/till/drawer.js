// The cash drawer (docs/till.md): this till's session from the counted float to the Z report.
// Every figure is the core's (the session item): the page adds nothing up itself.
import { amountOf, ask, html, money, percent, time } from '/lib.js';

import { tenderName } from './receipt.js';

const $ = (id) => document.getElementById(id);

// The denominations a close may be counted in, by currency (others count the total only).
const DENOMINATIONS = {
  USD: [100, 50, 20, 10, 5, 1, 0.25, 0.1, 0.05, 0.01],
  EUR: [500, 200, 100, 50, 20, 10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01],
  JPY: [10000, 5000, 1000, 500, 100, 50, 10, 5, 1],
};

// The X report (open) or the Z report (closed) of a session, as the core keeps its figures.
export function report(s) {
  const a = s.attributes;
  const c = a.currency;
  const row = (label, value, figure) => html`<tr><th scope="row">${label}</th><td class="num" data-figure="${figure ?? ''}">${value}</td></tr>`;
  return html`<table class="report" data-session="${s.code}">
    <caption>${a.status === 'open' ? 'X report' : 'Z report'}: ${s.code}, till ${a.till}</caption>
    <tbody>
    ${row('Opened', `${time(a.openedAt)} by ${a.openedBy}`)}
    ${a.closedAt ? row('Closed', `${time(a.closedAt)} by ${a.closedBy}`) : ''}
    ${row('Opening float', money(a.float, c), 'float')}
    ${row('Sales', String(a.salesCount), 'salesCount')}
    ${row('Gross sales', money(a.gross, c), 'gross')}
    ${row('Discounts', money(a.discounts, c), 'discounts')}
    ${row('Sales total', money(a.salesTotal, c), 'salesTotal')}
    ${row('Returns', String(a.returnsCount), 'returnsCount')}
    ${row('Refunds', money(a.refunds, c), 'refunds')}
    ${a.taxes.map((t) => row(`Tax ${percent(t.rate)}`, `${money(t.sales, c)} on sales, ${money(t.refunded, c)} refunded`, `tax-${t.rate}`))}
    ${a.tenders.map((t) => row(tenderName(t.method), `${money(t.taken, c)} taken, ${money(t.refunded, c)} refunded`, `tender-${t.method}`))}
    ${row('Paid in', money(a.paidIn, c), 'paidIn')}
    ${row('Paid out', money(a.paidOut, c), 'paidOut')}
    ${a.movements.map((m) => row(`${m.type === 'in' ? 'Paid in' : 'Paid out'}: ${m.reason}`, `${money(m.amount, c)} · ${time(m.at)}`))}
    ${row('Expected cash', money(a.expectedCash, c), 'expectedCash')}
    ${a.countedCash !== undefined ? row('Counted cash', money(a.countedCash, c), 'countedCash') : ''}
    ${a.difference !== undefined ? row(a.difference < 0 ? 'Short' : a.difference > 0 ? 'Over' : 'Difference',
                                       money(Math.abs(a.difference), c), 'difference') : ''}
    </tbody></table>`;
}

// This till's drawer: `open` is its open session (null when the drawer is closed); `last` the
// session shown when none is open (the last Z report).
export class Drawer {
  constructor({ shop, tillId, currency, pending, onChange }) {
    Object.assign(this, { shop, tillId, currency, pending, onChange });
    this.open = null;
    this.last = null;
  }

  // Reads this till's sessions: the open one, else the newest closed one.
  async load() {
    const open = await this.shop.sessions.list({ till: this.tillId, status: 'open', limit: 1 });
    const was = this.open?.code;
    this.open = open.items[0] ?? null;
    if (!this.open) {
      const closed = await this.shop.sessions.list({ till: this.tillId, status: 'closed', order: 'desc', limit: 1 });
      this.last = closed.items[0] ?? this.last;
    }
    document.body.dataset.drawer = this.open ? 'open' : 'closed';
    if (this.open?.code !== was) this.onChange();  // opened or closed: the cart says whether it can sell
  }

  async render() {
    // A redraw while the cashier types (a count, a paid-out) would lose it: it waits for the focus to leave.
    const typing = () => $('drawer').contains(document.activeElement) && document.activeElement.tagName === 'INPUT';
    if (typing()) {
      $('drawer').addEventListener('focusout', () => setTimeout(() => { if (!typing()) void this.render(); }), { once: true });
      return;
    }
    const s = this.open;
    const c = s?.attributes.currency ?? this.currency();
    const denominations = DENOMINATIONS[c] ?? [];
    const pending = await this.pending();
    $('drawer').innerHTML = s ? html`
      <div class="drawer-grid">
        <div class="card">${report(s)}</div>
        <div>
          <form id="movement" class="card no-print" novalidate aria-labelledby="movement-title">
            <h3 id="movement-title">Paid in or out</h3>
            <div class="row">
              <label class="inline"><input type="radio" name="movement-type" value="out" checked> Paid out</label>
              <label class="inline"><input type="radio" name="movement-type" value="in"> Paid in</label>
            </div>
            <div class="form-grid">
              <label>Amount <input id="movement-amount" inputmode="decimal" autocomplete="off"></label>
              <label>Reason <input id="movement-reason" autocomplete="off" maxlength="256"></label>
            </div>
            <p id="movement-error" class="field-error" role="alert"></p>
            <button type="submit" class="secondary">Record</button>
          </form>
          <form id="close-drawer" class="card no-print" novalidate aria-labelledby="close-title">
            <h3 id="close-title">Close the drawer</h3>
            <label>Cash counted <input id="counted" inputmode="decimal" autocomplete="off" aria-describedby="counted-hint"></label>
            <p id="counted-hint" class="muted">The total, or count it by denomination below.</p>
            ${denominations.length ? html`<details><summary>Count by denomination</summary><div class="form-grid denominations">
              ${denominations.map((d) => html`<label>${money(d, c)} × <input data-denomination="${d}" inputmode="numeric" autocomplete="off" size="4"></label>`)}
            </div></details>` : ''}
            <label>Note <input id="close-note" autocomplete="off" maxlength="256"></label>
            <p id="close-error" class="field-error" role="alert"></p>
            <button type="submit">Close and print the Z report</button>
          </form>
        </div>
      </div>` : html`
      <form id="open-drawer" class="card no-print" novalidate aria-labelledby="open-title">
        <h3 id="open-title">Open the drawer</h3>
        <p>Count the cash in the drawer: sales and returns need an open drawer.</p>
        <label>Opening float (${c}) <input id="float" inputmode="decimal" autocomplete="off"></label>
        <p id="open-error" class="field-error" role="alert"></p>
        <button type="submit">Open drawer</button>
      </form>
      ${this.last ? html`<div class="card z-report">
        ${pending > 0 ? html`<p class="notice warn" id="drawer-pending">Closed on this till; ${pending} commands still to sync. The Z report is final once they reach the server.</p>` : ''}
        ${report(this.last)}
        <button type="button" id="print-z" class="secondary no-print">Print the Z report</button></div>` : ''}`;
  }

  // Every till's sessions, newest first (a manager's view): the page `cursor` starts at.
  async renderAll(cursor) {
    let page;
    try {
      page = await this.shop.sessions.list({ order: 'desc', limit: 20, cursor });
    } catch (e) {
      $('sessions').innerHTML = html`<p class="notice bad" role="alert">${e.message}</p>`.text;
      return;
    }
    this.cursors ??= [undefined];
    $('sessions').innerHTML = page.items.length === 0 ? html`<p class="muted">No drawer was opened yet.</p>`.text : html`<table class="stack">
      <thead><tr><th>Session</th><th>Till</th><th>Status</th><th>Opened</th><th class="num">Sales</th><th class="num">Expected cash</th>
        <th class="num">Counted</th><th class="num">Difference</th><th>Report</th></tr></thead>
      <tbody>${page.items.map((x) => {
        const a = x.attributes;
        const c = a.currency;
        return html`<tr data-session-row="${x.code}"><td data-label="Session">${x.code}</td><td data-label="Till">${a.till}</td>
          <td data-label="Status"><span class="badge ${a.status === 'open' ? 'ok' : ''}">${a.status}</span></td>
          <td data-label="Opened">${time(a.openedAt)}</td><td class="num" data-label="Sales">${money(a.salesTotal, c)}</td>
          <td class="num" data-label="Expected cash">${money(a.expectedCash, c)}</td>
          <td class="num" data-label="Counted">${a.countedCash !== undefined ? money(a.countedCash, c) : ''}</td>
          <td class="num" data-label="Difference">${a.difference !== undefined ? money(a.difference, c) : ''}</td>
          <td data-label="Report"><button type="button" class="secondary" data-report="${x.code}" aria-label="${`${a.status === 'open' ? 'X report' : 'Z report'} of ${x.code}`}">${a.status === 'open' ? 'X report' : 'Z report'}</button></td></tr>`;
      })}</tbody></table>
      ${page.lastSk ? html`<button type="button" class="secondary" data-older="${page.lastSk}">Older sessions</button>` : ''}`.text;
  }

  wire() {
    $('sessions').addEventListener('click', async (e) => {
      const b = e.target.closest('button');
      if (b?.dataset.older) await this.renderAll(b.dataset.older);
      if (b?.dataset.report) {
        try {
          $('session-report').innerHTML = report(await this.shop.sessions.get(b.dataset.report)).text;
          $('session-report').hidden = false;
          $('session-report').focus();
        } catch (err) {
          $('sessions').insertAdjacentHTML('beforeend', html`<p class="field-error" role="alert">${err.message}</p>`.text);
        }
      }
    });
    const drawer = $('drawer');
    drawer.addEventListener('submit', (e) => {
      e.preventDefault();
      const id = e.target.id;
      if (id === 'open-drawer') void this.openDrawer();
      if (id === 'movement') void this.move();
      if (id === 'close-drawer') void this.close();
    });
    drawer.addEventListener('click', (e) => {
      if (e.target.id === 'print-z') window.print();
    });
  }

  async openDrawer() {
    const float = amountOf($('float').value);
    if (float === null) return error('open-error', 'Type the cash counted, such as 100.00 (0 for an empty drawer).', 'float');
    try {
      await this.shop.sessions.open({ till: this.tillId, float });
    } catch (e) {
      return error('open-error', e.message, 'float');
    }
    await this.load();
    await this.render();
  }

  async move() {
    const type = document.querySelector('input[name=movement-type]:checked').value;
    const value = amountOf($('movement-amount').value);
    const reason = $('movement-reason').value.trim();
    if (value === null) return error('movement-error', 'Type an amount such as 20.00.', 'movement-amount');
    if (!reason) return error('movement-error', 'Say why the cash goes in or out.', 'movement-reason');
    try {
      this.open = await this.shop.sessions.move(this.open.code, { type, amount: value, reason });
    } catch (e) {
      return error('movement-error', e.message, 'movement-amount');
    }
    await this.render();
    $('movement-amount').focus();
  }

  async close() {
    const counted = amountOf($('counted').value);
    const denominations = [...document.querySelectorAll('[data-denomination]')]
      .filter((i) => i.value.trim() !== '')
      .map((i) => ({ value: Number(i.dataset.denomination), count: Number(i.value.trim()) }));
    if (denominations.some((d) => !Number.isInteger(d.count) || d.count < 0)) {
      return error('close-error', 'Count each denomination in whole notes or coins.', 'counted');
    }
    if (counted === null && denominations.length === 0) return error('close-error', 'Type the cash counted, or count it by denomination.', 'counted');
    if (!await ask(`Close drawer ${this.open.code}? Sales and returns need a new drawer afterwards.`, 'Close drawer')) return;
    try {
      this.last = await this.shop.sessions.close(this.open.code, {
        ...(counted !== null ? { counted } : {}), ...(denominations.length ? { denominations } : {}),
        ...($('close-note').value.trim() ? { note: $('close-note').value.trim() } : {}),
      });
    } catch (e) {
      return error('close-error', e.message, 'counted');
    }
    await this.load();
    await this.render();
    $('print-z')?.focus();
  }
}

function error(id, message, focus) {
  $(id).textContent = message;
  if (focus) $(focus)?.focus();
}
