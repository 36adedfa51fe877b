// Parked sales: carts set aside while the next customer pays, kept in this browser's storage so
// that a reload keeps them. Each is {at, lines: [[productCode, quantity]], discount, reason}.
import { html, time } from '/lib.js';

const $ = (id) => document.getElementById(id);

export class Parked {
  constructor(key) {
    this.key = key;
  }

  list() {
    return JSON.parse(localStorage.getItem(this.key) ?? '[]');
  }

  add(sale) {
    localStorage.setItem(this.key, JSON.stringify([...this.list(), sale]));
  }

  remove(i) {
    const list = this.list();
    list.splice(i, 1);
    localStorage.setItem(this.key, JSON.stringify(list));
  }

  render() {
    const list = this.list();
    $('parked').hidden = list.length === 0;
    $('parked-count').textContent = String(list.length);
    $('parked-list').innerHTML = html`${list.map((p, i) => html`<li class="row spread"><span>${time(p.at)} · ${p.lines.map(([code, q]) => `${q} × ${code}`).join(', ')}</span>
      <button type="button" class="secondary" data-recall="${i}" aria-label="${`Recall the sale parked at ${time(p.at)}`}">Recall</button></li>`)}`.text;
  }
}
