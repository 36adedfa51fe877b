// The Problems panel: every command the server refused or found in conflict, with the package's
// two resolutions, and the stock alerts of this till's sales (kept in localStorage until dismissed).
import { html, time } from '/lib.js';

const $ = (id) => document.getElementById(id);

function describe(command) {
  const body = command?.body ? (typeof command.body === 'string' ? command.body : JSON.stringify(command.body)) : '';
  return `${command?.method ?? ''} ${command?.path ?? ''}${body ? ` ${body.length > 120 ? `${body.slice(0, 120)}…` : body}` : ''}`;
}

export class Problems {
  // `conflicts()`: how many the sync status counts; `shown()`: the panel is on screen.
  constructor({ shop, alertsKey, conflicts, shown, refreshStatus }) {
    Object.assign(this, { shop, alertsKey, conflicts, shown, refreshStatus });
  }

  alerts() {
    return JSON.parse(localStorage.getItem(this.alertsKey) ?? '[]');
  }

  // An inventory_reservation_failed notification of this till's sale.
  keep(n) {
    const list = this.alerts();
    if (list.some((a) => a.orderId === n.orderId)) return;
    list.unshift({ orderId: n.orderId, error: n.error, at: n.at ?? new Date().toISOString() });
    localStorage.setItem(this.alertsKey, JSON.stringify(list.slice(0, 200)));
    this.renderCount();
    if (this.shown()) void this.render();
  }

  renderCount() {
    const n = this.conflicts() + this.alerts().length;
    $('problem-count').hidden = n === 0;
    $('problem-count').textContent = String(n);
    $('problem-count').setAttribute('aria-label', `${n} problems`);
  }

  async render() {
    let list = [];
    try {
      list = await this.shop.conflicts();
    } catch (e) {
      $('conflicts').innerHTML = html`<p class="notice bad">${e.message}</p>`.text;
    }
    $('conflicts').innerHTML = list.length === 0 ? html`<p class="muted">None: the server accepted every command.</p>`.text : html`<ul class="problems">${list.map((p) => {
      const server = p.item?.attributes;
      return html`<li class="card" data-seq="${p.seq}">
        <p><span class="badge bad">${p.outcome}</span> <strong>${p.status}</strong> ${p.body?.message ?? ''}</p>
        <p class="muted"><code>${describe(p.command)}</code></p>
        ${server ? html`<p>On the server now (version ${p.item.version}): ${'quantity' in server ? `quantity ${server.quantity}, reserved ${server.reservedQuantity}` : p.item.name}</p>` : ''}
        <div class="row"><button type="button" data-resolve="retry" data-seq="${p.seq}">${p.outcome === 'conflict' ? "Retry on the server's version" : 'Send again'}</button>
        <button type="button" class="secondary" data-resolve="discard" data-seq="${p.seq}">Discard</button></div></li>`;
    })}</ul>`.text;
    const a = this.alerts();
    $('alerts').innerHTML = a.length === 0 ? html`<p class="muted">No stock alerts.</p>`.text : html`<ul class="problems">${a.map((x) => html`<li class="card alert" data-alert="${x.orderId}">
      <p><span class="badge warn">inventory_reservation_failed</span> Order <strong>${x.orderId}</strong>: ${x.error ?? 'its stock could not be reserved'}</p>
      <p class="muted">${time(x.at)} · the sale stands; count and restock the product.</p>
      <button type="button" class="secondary" data-dismiss="${x.orderId}">Dismiss</button></li>`)}</ul>`.text;
  }

  wire() {
    $('view-problems').addEventListener('click', async (e) => {
      const b = e.target.closest('button');
      if (b?.dataset.resolve) {
        b.disabled = true;
        try {
          await this.shop.resolveConflict(Number(b.dataset.seq), b.dataset.resolve);
          await this.shop.sync().catch(() => {});
        } catch (err) {
          b.closest('li').insertAdjacentHTML('beforeend', html`<p class="field-error" role="alert">${err.message}</p>`.text);
        }
        await this.refreshStatus();
        await this.render();
      }
      if (b?.dataset.dismiss) {
        localStorage.setItem(this.alertsKey, JSON.stringify(this.alerts().filter((x) => x.orderId !== b.dataset.dismiss)));
        this.renderCount();
        await this.render();
      }
    });
  }
}
