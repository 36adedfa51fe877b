// The public shapes of the EdgeCart API (docs/design.md §4, §5). Money is a JSON number with at most two
// decimals; times are ISO-8601 UTC strings with milliseconds.

/** Options of openShop(). */
export interface ShopOptions {
  /** Tenant code, [a-z0-9][a-z0-9_-]{0,63} (upper case is lowered). Every call runs in it. */
  tenant: string;
  /** The user recorded as createdBy / updatedBy. */
  user: string;
  /**
   * The caller's roles, checked by the core on every call: `customer` (the catalogue, its own
   * orders), `cashier` (sell, every order and its transitions), `manager` / `admin` (products and
   * inventory too); no known role is a customer. Default: with `server`, the roles of its token
   * (`custom:roles`, the server enforces them too); without, `['admin']` (a local shop's owner).
   */
  roles?: string[];
  /** Database name (one IndexedDB database per name): [A-Za-z0-9_-]{1,64}. Default "edgecart". */
  name?: string;
  /**
   * "indexeddb" (default where IndexedDB exists) keeps state across reloads; "memory" does not.
   * "idbfs" keeps it in Emscripten's stock IDBFS mount instead (`FS.syncfs` after each write, under
   * the same acknowledgement rule): every save rewrites each changed file whole, commits with the
   * browser's default durability ("relaxed"), and has no archive, so retention keeps every order
   * live. It is there to compare with (`npm run bench:peers`, docs/benchmarks.md); an IDBFS
   * database is separate from the "indexeddb" database of the same name.
   */
  storage?: 'indexeddb' | 'idbfs' | 'memory';
  /**
   * How a write's IndexedDB transaction commits before its promise resolves. "strict" (default):
   * the browser flushes it to disk first, so an acknowledged sale survives a power cut.
   * "relaxed": handed to the operating system only — faster (a few ms less per save on
   * Chromium, docs/benchmarks.md), but the last acknowledged writes can be lost if the machine
   * loses power (not if only the tab or browser crashes). The tab that owns the database decides;
   * shops of one page on one database share the first one's choice. With storage "idbfs", only
   * "relaxed" (its default): Emscripten's IDBFS never asks for a flush.
   */
  durability?: 'strict' | 'relaxed';
  /**
   * Retention: days an order that is final (delivered or cancelled) and has nothing left to sync
   * stays in the live state after its last change. Default 30; 0: as soon as it is final and
   * synced; Infinity: always. Retention runs a few seconds after opening and then hourly
   * (Shop.applyRetention runs it now). An order that left is still answered by orders.get(code),
   * offline too (from the local archive; the server keeps every order); lists, live queries and
   * the customer's own list show the live orders only. It keeps what a long-running till opens
   * and holds in memory to the orders still in play (docs/design.md §6).
   */
  retentionDays?: number;
  /** Reconcile this tenant's writes with an EdgeCart server (docs/design.md §7). */
  server?: ServerOptions;
}

/** The raw answer of a route: HTTP-like status and JSON body. */
export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

// Error codes, order statuses and roles are the core's, generated into rules.ts.
import type { ErrorCode, OrderStatus, Role } from './rules.js';

export type { ErrorCode, OrderStatus, Role };
// The till's day: drawer sessions and returns (docs/till.md).
export type * from './till-types.js';

/** The NestJS-shaped error body of every failed call, with its code. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code: ErrorCode;
}

/** Options of a write. */
export interface WriteOptions {
  /**
   * The same key with the same request (within 24 hours) answers the first answer again and runs
   * nothing; with another request it is refused (422 IDEMPOTENCY_KEY_REUSED). Keys are per user.
   */
  idempotencyKey?: string;
}

/** Options of `orders.create`. */
export interface OrderCreateOptions extends WriteOptions {
  /**
   * `accept` (default): the order is created even when its stock cannot be reserved (its
   * `reservation.state` is then `none`, and an `inventory_reservation_failed` alert is sent): a
   * till's customer has already left with the goods. `strict`: such an order is refused (409
   * INSUFFICIENT_INVENTORY, nothing written): what a web storefront wants.
   */
  stock?: 'accept' | 'strict';
}

/** Every stored entity (docs/design.md §2). */
export interface Item<A> {
  pk: string;
  sk: string;
  id: string;
  code: string;
  name: string;
  version: number;
  tenantCode: string;
  type: string;
  isDeleted: boolean;
  seq?: number;
  ttl?: number;
  attributes: A;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

export interface ProductAttributes {
  categoryCode: string;
  sku: string;
  price: number;
  currency: string;
  description: string;
  images: string[];
  isActive: boolean;
  /** Its own tax class (one of the shop's `taxClasses`); absent: its category's, else the shop's default. */
  taxClass?: string;
}
export type Product = Item<ProductAttributes>;

/** A product change: any of these, `version` the optimistic lock. */
export interface ProductUpdate {
  name?: string;
  price?: number;
  description?: string;
  images?: string[];
  categoryCode?: string;
  isActive?: boolean;
  /** null: back to the category's class or the shop's default. */
  taxClass?: string | null;
  version?: number;
}

export interface ProductInput {
  code: string;
  name: string;
  categoryCode: string;
  sku: string;
  price: number;
  currency: string;
  description?: string;
  images?: string[];
  isActive?: boolean;
  taxClass?: string;
}

export interface InventoryAttributes {
  productCode: string;
  quantity: number;
  reservedQuantity: number;
  warehouseCode: string;
  lastRestockedAt: string;
}
export type Inventory = Item<InventoryAttributes>;

/** Set the stock (`quantity`) or adjust it (`quantityDelta`); `version` is the optimistic lock. */
export interface InventoryUpdate {
  quantity?: number;
  quantityDelta?: number;
  warehouseCode?: string;
  version?: number;
}

/**
 * A line as a request sends it. A customer pays the catalogue's name and price: it may leave them
 * out, and a price that is not the catalogue's is refused (409 PRICE_CHANGED, nothing written).
 * Staff charge the price sent (a till's, perhaps older while offline); left out, the catalogue's.
 */
export interface OrderLineInput {
  productCode: string;
  name?: string;
  quantity: number;
  price?: number;
  discount?: DiscountInput;
}

/**
 * A discount: a percentage of what it discounts, or an amount in the order's currency; always with
 * a reason. Applied before tax. A cashier's discounts add up to at most the shop's
 * `cashierDiscountLimit` of the subtotal (else 403); a customer may give none (403).
 */
export type DiscountInput = { percent: number; reason: string } | { amount: number; reason: string };

/** A discount as the order keeps it: what was asked, and the amount it came to. */
export interface Discount {
  percent?: number;
  amount: number;
  reason: string;
}

/** A line as the order keeps it. */
export interface OrderLine {
  productCode: string;
  name: string;
  quantity: number;
  price: number;
  /** The catalogue's price when the order was applied, where the line was charged another. */
  catalogPrice?: number;
  /** price × quantity, before the line's discount. */
  amount: number;
  /** The tax rate of its class, in percent (8, 10, 8.25). */
  taxRate: number;
  discount?: Discount;
}

/** The tax of one rate: rounded once per order, half up to the currency's minor unit. */
export interface TaxRow {
  /** Percent. */
  rate: number;
  /** The amount taxed at this rate, after discounts (without its tax, also when prices include it). */
  base: number;
  tax: number;
}

/**
 * An order's figures (`orders.quote`, and the same fields on every order). Every amount is exact
 * in the currency's minor unit: `subtotal - discountTotal + tax === total` when prices are
 * without tax, `subtotal - discountTotal === total` when they include it (`tax` is then the part
 * of the total that is tax).
 */
export interface OrderFigures {
  /** ISO 4217: the currency of every line. */
  currency: string;
  items: OrderLine[];
  /** The order's own discount (lines carry theirs). */
  discount?: Discount;
  subtotal: number;
  /** Every discount, lines' and the order's. */
  discountTotal: number;
  /** One row per rate, in ascending rate. */
  taxes: TaxRow[];
  tax: number;
  total: number;
  pricesIncludeTax: boolean;
  /** With payments: what was kept of each tender (they add up to the total). */
  payments?: Payment[];
  /** With payments: the change given back, from the cash. */
  change?: number;
}

/** A quote's figures; with payments also what they add up to, what is still due, and the method. */
export interface Quote extends OrderFigures {
  paid?: number;
  due?: number;
  paymentMethod?: string;
}

/** What a quote needs: the lines, perhaps discounts (customerId and the rest may be left out). */
export interface QuoteInput {
  items: OrderLineInput[];
  discount?: DiscountInput;
  payments?: Tender[];
}

export interface ShippingAddress {
  street: string;
  city: string;
  postalCode: string;
  country: string;
}

/** What a customer handed over at the till: one of the shop's `tenders`, in the order's currency. */
export interface Tender {
  method: string;
  amount: number;
}

/**
 * A tender as the order keeps it: the amounts add up to the total; a cash tender that change
 * came from keeps what was handed over as `given`.
 */
export interface Payment {
  method: string;
  amount: number;
  given?: number;
}

/** The seed's CreateOrderDto. */
export interface OrderInput {
  /** Required of staff; a customer's is its own user (it may be left out). */
  customerId?: string;
  items: OrderLineInput[];
  shippingAddress: ShippingAddress;
  /** Required without `payments`; with them it is theirs (the one method, or `split`). */
  paymentMethod?: string;
  /**
   * Staff only (a customer's order is paid outside EdgeCart: 403): what the customer gave. They
   * must cover the total; only cash may come to more, and the change is given from it.
   */
  payments?: Tender[];
  /** An order discount (see DiscountInput). */
  discount?: DiscountInput;
  /** Staff only: the till's open drawer session the sale counts in (409 SESSION_CLOSED otherwise). */
  session?: string;
}

export interface OrderAttributes extends Omit<OrderInput, 'items' | 'discount' | 'payments' | 'paymentMethod'>, OrderFigures {
  customerId: string;
  paymentMethod: string;
  status: OrderStatus;
  placedAt: string;
  shippedAt?: string;
  deliveredAt?: string;
  /** Set when the server cancelled the order as expired (the shop's pendingOrderExpiryMinutes). */
  cancelReason?: 'expired';
  cancelledAt?: string;
  /** The till's drawer session the sale counted in. */
  session?: string;
  /** The codes of its returns, and what they refunded in all (docs/till.md). */
  returns?: string[];
  refunded?: number;
  /** Lines: `returnedQuantity` once units came back. */
  items: (OrderLine & { returnedQuantity?: number })[];
}
/** Whether an order holds stock: `held` (reserved), `none` (could not be: see `error`), `released`, `deducted`. */
export interface Reservation {
  state: 'held' | 'none' | 'released' | 'deducted';
  error?: string;
  errorCode?: ErrorCode;
}

/** An order as the API answers it (lists leave `reservation` out). */
export type Order = Item<OrderAttributes> & { reservation?: Reservation };

/**
 * A shop's settings (docs/money.md): one item, versioned like any other and synced to every
 * device. Never changed, it is version 0 with these defaults: USD, one class `standard` at the
 * server's rate (10 %), prices without tax, a cashier limit of 10 %, no expiry.
 */
export interface ShopSettingsAttributes {
  /** ISO 4217: the currency of order lines outside the catalogue. */
  currency: string;
  /** Tax class code -> rate in percent, at most 3 decimals. */
  taxClasses: Record<string, number>;
  defaultTaxClass: string;
  /** categoryCode -> tax class. A product's own taxClass comes first. */
  categoryTaxClasses: Record<string, string>;
  pricesIncludeTax: boolean;
  /** Printed at the top of receipts. */
  receiptHeader: string;
  /** The largest share of a subtotal, in percent, a cashier's discounts may come to. */
  cashierDiscountLimit: number;
  /** Minutes after which the server cancels a pending order; null: never. */
  pendingOrderExpiryMinutes: number | null;
  /** What a sale may be paid with (`payments[].method`); default cash and card. */
  tenders: string[];
  /** Days after a sale within which a cashier may refund it (a manager: any time); default 30. */
  returnWindowDays: number;
}
export type ShopSettings = Item<ShopSettingsAttributes>;
/** A settings change (admin only): any of the fields; `version` the optimistic lock. */
export type ShopSettingsUpdate = Partial<ShopSettingsAttributes> & { version?: number };

/** An active ISO 4217 currency and its minor unit: amounts in it have at most `decimals` decimals. */
export interface Currency {
  code: string;
  decimals: number;
}

/** One page of a list; pass `lastSk` back as `cursor` for the next. */
export interface Page<T> {
  items: T[];
  lastSk?: string;
}

export interface ListQuery {
  limit?: number;
  cursor?: string;
  /** `asc` (default: number order) or `desc` (newest first). */
  order?: 'asc' | 'desc';
}

export interface ProductListQuery extends ListQuery {
  categoryCode?: string;
  isActive?: boolean;
  /**
   * Search: words that begin words of the name, in any order and case ("oat mil" finds "Oat milk,
   * barista"). Answered from the core's look-ups, not by reading the catalogue.
   */
  q?: string;
  /** Exactly this SKU (a scanned barcode). */
  sku?: string;
}

/** A product with its stock, as `products.listWithStock` answers: `inventory` is null until its first stock record. */
export type ProductWithStock = Product & { inventory: Inventory | null };

/** What `products.import` did: rows read, created, updated, unchanged, and each refused row. */
export interface ImportReport {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejectedCount: number;
  /** The first 1,000 refused rows: the line each begins on, its code if it had a valid one, why. */
  rejected: Array<{ line: number; code?: string; message: string }>;
}

/** A category of the catalogue (`categories.list()`): the `categoryCode` its products carry. */
export interface Category {
  code: string;
}

export interface OrderListQuery extends ListQuery {
  status?: OrderStatus;
  /** Staff: one customer's orders. A customer always lists its own. */
  customerId?: string;
}

/** A handler notification (docs/design.md §4): order_confirmation, inventory_reservation_failed, ... */
export interface Notification {
  type: string;
  orderId: string;
  at: string;
  [field: string]: unknown;
}

/** An item a committed write changed. */
export interface Change {
  sk: string;
  version: number;
}

/**
 * What one commit changed (`changes` event detail): a local write with what its handlers did,
 * a write in another tab, one pulled page of the server's changes (up to hundreds of items), or
 * one push's answers. Patch what is shown from it; never reload everything on each.
 */
export interface Changes {
  changes: Change[];
}

/** `openShop({server})`: where and as whom to sync. */
export interface ServerOptions {
  /** The server's base URL, e.g. "https://shop.example" or "" for the page's own origin. */
  url: string;
  /** A bearer token (HS256 JWT with custom:tenant), or a function giving a fresh one. */
  token: string | (() => string | Promise<string>);
  /** Order numbers to lease at a time (default 100). */
  leaseSize?: number;
  /** Milliseconds between background syncs when all is well (default 30 000). */
  intervalMs?: number;
  /**
   * Listen at the server's `GET /sync/events` and pull as soon as this device's feed moved (a
   * sale on another till shows within a second); the timer stays the fallback. Default true.
   */
  live?: boolean;
}

/** What `shop.syncStatus()` reports. */
export interface SyncStatus {
  online: boolean;
  pending: number;
  oldestPendingAt: string | null;
  lastSyncAt: string | null;
  lastError: string | null;
  conflicts: number;
  leasedCodesLeft: number;
  clientId: string;
  /** The tenant whose writes this database reconciles. */
  tenant: string;
}

/** One command's answer from the server (`sync` event detail). */
export interface SyncOutcome {
  seq: number;
  outcome: 'accepted' | 'rebased' | 'rejected' | 'conflict';
  status: number;
  body: unknown;
  item?: unknown;
  notifications?: Array<Record<string, unknown>>;
  replayed?: boolean;
}
