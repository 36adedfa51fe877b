// The till's day in the EdgeCart API (docs/till.md): returns against receipts, and the cash
// drawer's sessions with their X and Z figures. Amounts are JSON numbers in the currency given.
import type { Item, ListQuery } from './types.js';

/** A line of a return: units of one product of the order; `restock` false for damaged goods. */
export interface ReturnLineInput {
  productCode: string;
  quantity: number;
  /** Back to stock (default true); false: damaged, not sold again. */
  restock?: boolean;
}

/**
 * A return against a receipt (docs/till.md): units up to what was sold less what came back
 * (409 RETURN_EXCEEDS_SALE). Staff only; a cashier within the shop's returnWindowDays.
 */
export interface ReturnInput {
  orderCode: string;
  lines: ReturnLineInput[];
  /** One of the shop's tenders; default cash. */
  refundMethod?: string;
  /** The till's open drawer session the refund comes out of. */
  session?: string;
  reason?: string;
}

export interface ReturnAttributes {
  orderCode: string;
  customerId: string;
  currency: string;
  /** Each with the part of the order's total its units were charged. */
  lines: { productCode: string; name: string; quantity: number; restock: boolean; refund: number }[];
  refund: { method: string; amount: number };
  /** The tax given back, per rate. */
  taxes: { rate: number; tax: number }[];
  reason?: string;
  session?: string;
  returnedAt: string;
  returnedBy: string;
}
/** A return: RET-000001 on the server, RET-<device>-000001 made on a till. */
export type Return = Item<ReturnAttributes>;

/** Open a drawer session: the float counted, as an amount or by denominations (or both, agreeing). */
export interface SessionInput {
  till: string;
  float?: number;
  denominations?: Denomination[];
}
export interface Denomination {
  value: number;
  count: number;
}
/** A paid-in (`in`) or paid-out (`out`) of a drawer, with its reason. */
export interface MovementInput {
  type: 'in' | 'out';
  amount: number;
  reason: string;
}
/** Close a session: the cash counted, as an amount or by denominations. */
export interface CloseInput {
  counted?: number;
  denominations?: Denomination[];
  note?: string;
}

/**
 * A till's drawer session with its running figures: the X report while open, the Z report once
 * closed. Amounts are in `currency`; `expectedCash` = float + cash taken − cash refunded +
 * paidIn − paidOut; `difference` = countedCash − expectedCash (negative: short).
 */
export interface SessionAttributes {
  till: string;
  status: 'open' | 'closed';
  currency: string;
  openedAt: string;
  openedBy: string;
  float: number;
  openingDenominations?: Denomination[];
  salesCount: number;
  /** Σ subtotals, Σ discounts, Σ totals of the sales. */
  gross: number;
  discounts: number;
  salesTotal: number;
  returnsCount: number;
  refunds: number;
  /** Per rate: the tax of the sales and the tax refunded. */
  taxes: { rate: number; sales: number; refunded: number }[];
  /** Per method: what was taken (cash net of change) and refunded. */
  tenders: { method: string; taken: number; refunded: number }[];
  paidIn: number;
  paidOut: number;
  movements: { type: 'in' | 'out'; amount: number; reason: string; at: string; by: string }[];
  expectedCash: number;
  closedAt?: string;
  closedBy?: string;
  countedCash?: number;
  countedDenominations?: Denomination[];
  difference?: number;
  note?: string;
}
/** A drawer session: SES-000001 on the server, SES-<device>-000001 opened on a till. */
export type Session = Item<SessionAttributes>;

export interface SessionListQuery extends ListQuery {
  till?: string;
  status?: 'open' | 'closed';
}
export interface ReturnListQuery extends ListQuery {
  orderCode?: string;
}
