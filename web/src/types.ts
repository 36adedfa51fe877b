// The public shapes of the EdgeCart API (SPEC §4, §5). Money is a JSON number with at most two
// decimals; times are ISO-8601 UTC strings with milliseconds.

/** Options of openShop(). */
export interface ShopOptions {
  /** Tenant code, [a-z0-9][a-z0-9_-]{0,63} (upper case is lowered). Every call runs in it. */
  tenant: string;
  /** The user recorded as createdBy / updatedBy. */
  user: string;
  /** Roles passed to the core with every call. */
  roles?: string[];
  /** Database name (one IndexedDB database per name): [A-Za-z0-9_-]{1,64}. Default "edgecart". */
  name?: string;
  /** "indexeddb" (default where IndexedDB exists) keeps state across reloads; "memory" does not. */
  storage?: 'indexeddb' | 'memory';
  /** Reconcile this tenant's writes with an EdgeCart server (SPEC §7). */
  server?: import('./sync.js').ServerOptions;
}

/** The raw answer of a route: HTTP-like status and JSON body. */
export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

/** The NestJS-shaped error body of every failed call. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

/** Every stored entity (SPEC §2). */
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
}
export type Product = Item<ProductAttributes>;

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

export type OrderStatus = 'pending' | 'confirmed' | 'processing' | 'shipped' | 'delivered' | 'cancelled';

export interface OrderLine {
  productCode: string;
  name: string;
  quantity: number;
  price: number;
}

export interface ShippingAddress {
  street: string;
  city: string;
  postalCode: string;
  country: string;
}

/** The seed's CreateOrderDto. */
export interface OrderInput {
  customerId: string;
  items: OrderLine[];
  shippingAddress: ShippingAddress;
  paymentMethod: string;
}

export interface OrderAttributes extends OrderInput {
  subtotal: number;
  tax: number;
  total: number;
  status: OrderStatus;
  placedAt: string;
  shippedAt?: string;
  deliveredAt?: string;
}
export type Order = Item<OrderAttributes>;

/** One page of a list; pass `lastSk` back as `cursor` for the next. */
export interface Page<T> {
  items: T[];
  lastSk?: string;
}

export interface ListQuery {
  limit?: number;
  cursor?: string;
}

export interface OrderListQuery extends ListQuery {
  status?: OrderStatus;
}

/** A handler notification (SPEC §4): order_confirmation, inventory_reservation_failed, ... */
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
