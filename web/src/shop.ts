// The shop JavaScript holds: docs/design.md §5 routes as promises, typed helpers, events, close().

import { EdgeCartError } from './errors.js';
import type { Call, Executor, StoreStats } from './local.js';
import type { RawResult } from './module.js';
import type {
  ApiResponse, Category, Change, Currency, Changes, ErrorBody, ImportReport, Inventory, InventoryUpdate, Notification, Order, OrderCreateOptions,
  OrderInput, OrderListQuery, OrderStatus, Page, Product, ProductInput, ProductListQuery, ProductUpdate, ProductWithStock,
  Quote, QuoteInput, ShopSettings, ShopSettingsUpdate, SyncOutcome, SyncStatus, WriteOptions,
  CloseInput, MovementInput, Return, ReturnInput, ReturnListQuery, Session, SessionInput, SessionListQuery,
} from './types.js';

/** A shop's event: `detail` is what happened (see ShopEventMap). */
export class ShopEvent<T> extends Event {
  readonly detail: T;
  constructor(type: string, detail: T) {
    super(type);
    this.detail = detail;
  }
}

/** The events of a shop and their details. */
export interface ShopEventMap {
  /** A handler notification of a committed write: order_confirmation, inventory_reservation_failed, ... */
  notification: ShopEvent<Notification>;
  /** An item a committed write (here, in another tab, or pulled from the server) changed. */
  change: ShopEvent<Change>;
  /** Every item one commit changed, in one event (a pulled page: one event, not hundreds). */
  changes: ShopEvent<Changes>;
  /** The server's answer to one pushed command. */
  sync: ShopEvent<SyncOutcome>;
  /** A field of syncStatus() changed (pending count, online, last error, ...). */
  syncstatus: ShopEvent<SyncStatus>;
}

type Listener<E> = ((this: Shop, event: E) => unknown) | { handleEvent(event: E): unknown };


function query(q: Record<string, string | number | boolean | undefined> | undefined): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q ?? {})) {
    if (v !== undefined) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

function segment(code: string): string {
  if (typeof code !== 'string') throw new EdgeCartError(400, 'code must be a string');
  return encodeURIComponent(code);
}

// Frees the wasm handle of a shop dropped without close() (safety net; close() is the API).
const finalizer = typeof FinalizationRegistry !== 'undefined'
  ? new FinalizationRegistry<Executor>((executor) => { void executor.close().catch(() => {}); })
  : null;

const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_RETENTION_DAYS = 30;
const RETENTION_FIRST_MS = 5_000;
const RETENTION_EVERY_MS = 60 * 60 * 1000;

export class Shop extends EventTarget {
  private closed = false;
  private retention: ReturnType<typeof setTimeout> | null = null;

  /** @internal use openShop() */
  constructor(
    private readonly executor: Executor,
    private readonly context: { tenant: string; user: string; roles: string[] },
    /** "writer" owns the database in this tab; a "follower" sends its calls to the writer tab. */
    readonly role: () => 'writer' | 'follower' | 'memory',
    /** Days a final, synced order stays in the live state (Infinity: always). */
    readonly retentionDays = DEFAULT_RETENTION_DAYS,
  ) {
    super();
    finalizer?.register(this, executor, this);
  }

  addEventListener<K extends keyof ShopEventMap>(type: K, listener: Listener<ShopEventMap[K]> | null,
                                                 options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null,
                   options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: unknown, options?: boolean | AddEventListenerOptions): void {
    super.addEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  removeEventListener<K extends keyof ShopEventMap>(type: K, listener: Listener<ShopEventMap[K]> | null,
                                                    options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null,
                      options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: unknown, options?: boolean | EventListenerOptions): void {
    super.removeEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  /**
   * Any route of the API. Resolves to {status, body} for every answer, errors included.
   * `options.idempotencyKey` makes a write safe to retry (see WriteOptions).
   */
  async request<T = unknown>(method: string, path: string, body?: unknown, options?: WriteOptions): Promise<ApiResponse<T>> {
    if (this.closed) throw new EdgeCartError(503, 'The shop is closed');
    if (typeof method !== 'string' || typeof path !== 'string') {
      throw new EdgeCartError(400, 'method and path must be strings');
    }
    const upper = method.toUpperCase();
    if (upper === 'SYNC' || upper === 'RETAIN') throw new EdgeCartError(404, `Cannot ${upper} ${path.slice(0, 200)}`);
    const call: Call = {
      ...this.context,
      method: method.toUpperCase(),
      target: path,
      body: body === undefined || body === null ? '' : typeof body === 'string' ? body : JSON.stringify(body),
    };
    const key = options?.idempotencyKey;
    if (key !== undefined) {
      if (typeof key !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(key)) {
        throw new EdgeCartError(400, 'idempotencyKey must be 1-255 printable ASCII characters without spaces');
      }
      call.idempotencyKey = key;
    }
    const result = await this.executor.execute(call);
    return { status: result.status, body: result.body as T };
  }

  readonly products = {
    create: (input: ProductInput, options?: WriteOptions) => this.call<Product>('POST', '/products', input, options),
    /** Changes name, price, description, images, category or isActive; `version` locks. */
    update: (code: string, update: ProductUpdate, options?: WriteOptions) =>
      this.call<Product>('PATCH', `/products/${segment(code)}`, update, options),
    list: (q?: ProductListQuery) => this.call<Page<Product>>('GET', `/products${query({ ...q })}`),
    /** A page of products, each with its stock, in one call: what a product grid shows. */
    listWithStock: (q?: ProductListQuery) =>
      this.call<Page<ProductWithStock>>('GET', `/products${query({ ...q, include: 'stock' })}`),
    get: (code: string) => this.call<Product>('GET', `/products/${segment(code)}`),
    /**
     * Upserts products and their stock by code from a CSV (header: code, name, categoryCode, sku,
     * price, currency, and optionally quantity, description, isActive) or JSON-lines text of at
     * most 1 MiB; valid rows are applied, refused ones reported with their line (docs/api.md).
     */
    import: (text: string, format: 'csv' | 'jsonl', options?: WriteOptions) =>
      this.call<ImportReport>('POST', '/products/import', format === 'jsonl' ? { jsonl: text } : { csv: text }, options),
    /**
     * A live query: `callback` gets the page now and again after changes of products (from this
     * tab, another tab, or the server; those of one commit together), with the changes that
     * caused the run. Returns the function that stops it.
     */
    watch: (q: ProductListQuery | undefined, callback: (page: Page<Product>, changes: Change[]) => void,
            onError?: (e: EdgeCartError) => void) =>
      this.watch(['PRODUCT#'], () => this.products.list(q), callback, onError),
  };

  readonly categories = {
    /** The catalogue's categories in code order. */
    list: () => this.call<{ items: Category[] }>('GET', '/categories').then((r) => r.items),
  };

  readonly currencies = {
    /** Every active ISO 4217 currency with its minor unit, from the core's table (format amounts with it). */
    list: () => this.call<{ items: Currency[] }>('GET', '/currencies').then((r) => r.items),
  };

  readonly settings = {
    /** The shop's settings (version 0 and the defaults if never changed). */
    get: () => this.call<ShopSettings>('GET', '/settings'),
    /** Admin only; `version` locks (409 VERSION_CONFLICT when another change came first). */
    update: (update: ShopSettingsUpdate, options?: WriteOptions) => this.call<ShopSettings>('PATCH', '/settings', update, options),
    /** A live query: `callback` gets the settings now and after each change (another device's too). */
    watch: (callback: (settings: ShopSettings, changes: Change[]) => void, onError?: (e: EdgeCartError) => void) =>
      this.watch(['SETTINGS#'], () => this.settings.get(), callback, onError),
  };

  readonly inventory = {
    update: (productCode: string, update: InventoryUpdate, options?: WriteOptions) =>
      this.call<Inventory>('PATCH', `/inventory/${segment(productCode)}`, update, options),
    get: (productCode: string) => this.call<Inventory>('GET', `/inventory/${segment(productCode)}`),
  };

  readonly orders = {
    /** Creates an order; its `reservation` tells whether the stock was reserved (see `options.stock`). */
    create: (input: OrderInput, options?: OrderCreateOptions) => {
      const stock = options?.stock;
      if (stock !== undefined && stock !== 'accept' && stock !== 'strict') {
        return Promise.reject(new EdgeCartError(400, 'stock must be accept or strict'));
      }
      return this.call<Order>('POST', `/orders${query({ stock })}`, input, options);
    },
    /**
     * An order's figures as `create` would make them (lines, discounts, tax per rate, total),
     * computed by the core from this device's catalogue and settings; nothing is written. A cart
     * or a till shows these, never its own arithmetic.
     */
    quote: (input: QuoteInput) => this.call<Quote>('POST', '/orders/quote', input),
    list: (q?: OrderListQuery) => this.call<Page<Order>>('GET', `/orders${query({ ...q })}`),
    get: (code: string) => this.call<Order>('GET', `/orders/${segment(code)}`),
    updateStatus: (code: string, status: OrderStatus, version?: number, options?: WriteOptions) =>
      this.call<Order>('PATCH', `/orders/${segment(code)}/status`,
          version === undefined ? { status } : { status, version }, options),
    /**
     * A live query: `callback` gets the page now and again after changes of orders (from this
     * tab, another tab, or the server), with the changes that caused the run. Returns the
     * function that stops it.
     */
    watch: (q: OrderListQuery | undefined, callback: (page: Page<Order>, changes: Change[]) => void,
            onError?: (e: EdgeCartError) => void) =>
      this.watch(['ORDER#'], () => this.orders.list(q), callback, onError),
  };

  /** Returns against receipts (docs/till.md): staff only. */
  readonly returns = {
    /** The refund is the part of the order's total the units were charged; restocked lines go back to stock. */
    create: (input: ReturnInput, options?: WriteOptions) => this.call<Return>('POST', '/returns', input, options),
    list: (q?: ReturnListQuery) => this.call<Page<Return>>('GET', `/returns${query({ ...q })}`),
    get: (code: string) => this.call<Return>('GET', `/returns/${segment(code)}`),
  };

  /** A till's cash drawer (docs/till.md): one open session per till, its X and Z figures. Staff only. */
  readonly sessions = {
    /** 409 SESSION_OPEN while the till has an open session. */
    open: (input: SessionInput, options?: WriteOptions) => this.call<Session>('POST', '/sessions', input, options),
    list: (q?: SessionListQuery) => this.call<Page<Session>>('GET', `/sessions${query({ ...q })}`),
    /** The session with its figures so far (the X report), or as closed (the Z report). */
    get: (code: string) => this.call<Session>('GET', `/sessions/${segment(code)}`),
    /** A paid-in or paid-out; a paid-out beyond the cash expected is refused (409). */
    move: (code: string, input: MovementInput, options?: WriteOptions) =>
      this.call<Session>('POST', `/sessions/${segment(code)}/movements`, input, options),
    close: (code: string, input: CloseInput, options?: WriteOptions) =>
      this.call<Session>('POST', `/sessions/${segment(code)}/close`, input, options),
    /** A live query of one session (its figures move with every sale, return and movement). */
    watch: (code: string, callback: (session: Session, changes: Change[]) => void, onError?: (e: EdgeCartError) => void) =>
      this.watch([`SESSION#${code}`], () => this.sessions.get(code), callback, onError),
  };

  // Runs `load` now and after each commit that changed an item under `prefixes` (one run at a
  // time, the commits during a run coalesced into one more); delivers each result that differs
  // from the last, with the changes since the run before.
  private watch<T>(prefixes: string[], load: () => Promise<T>, callback: (result: T, changes: Change[]) => void,
                   onError?: (e: EdgeCartError) => void): () => void {
    let stopped = false;
    let running = false;
    let again = false;
    let last = '';
    let seen: Change[] = [];
    const run = async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          const changes = seen;
          seen = [];
          try {
            const result = await load();
            const text = JSON.stringify(result);
            if (!stopped && text !== last) {
              last = text;
              callback(result, changes);
            }
          } catch (e) {
            if (!stopped && !this.closed) onError?.(e instanceof EdgeCartError ? e : new EdgeCartError(500, String(e)));
          }
        } while (again && !stopped);
      } finally {
        running = false;
      }
    };
    const onChanges = (e: ShopEvent<Changes>) => {
      const mine = e.detail.changes.filter((c) => prefixes.some((p) => c.sk.startsWith(p)));
      if (mine.length === 0) return;
      seen.push(...mine);
      void run();
    };
    this.addEventListener('changes', onChanges);
    void run();
    return () => {
      stopped = true;
      this.removeEventListener('changes', onChanges);
    };
  }

  /** Syncs with the server now (lease, push, pull); resolves to the status after it. */
  async sync(): Promise<SyncStatus> {
    return this.control<SyncStatus>('now');
  }

  /** {online, pending, oldestPendingAt, lastSyncAt, lastError, conflicts, leasedCodesLeft, clientId}. */
  async syncStatus(): Promise<SyncStatus> {
    return this.control<SyncStatus>('status');
  }

  /** Commands the server answered with a conflict (with its current `item`) or a rejection. */
  async conflicts(): Promise<Array<SyncOutcome & { command: unknown }>> {
    return this.control('problems');
  }

  /** Resolves one: "retry" sends the command again (on the server's version for a conflict), "discard" drops it. */
  async resolveConflict(seq: number, action: 'retry' | 'discard'): Promise<void> {
    await this.control(`resolve?seq=${encodeURIComponent(String(seq))}&action=${encodeURIComponent(action)}`);
  }

  private async control<T>(what: string): Promise<T> {
    if (this.closed) throw new EdgeCartError(503, 'The shop is closed');
    const r = await this.executor.execute({ ...this.context, method: 'SYNC', target: what, body: '' });
    if (r.status >= 400) {
      const e = r.body as ErrorBody;
      throw new EdgeCartError(r.status, e?.message ?? `HTTP ${r.status}`, e);
    }
    return r.body as T;
  }

  /** The store's statistics (log, snapshot, syncs, open time), or null in a follower tab. */
  stats(): StoreStats | null {
    return this.closed ? null : this.executor.stats();
  }

  /**
   * Retention now: this tenant's orders that are final (delivered or cancelled), unchanged for
   * `days` (default: the shop's `retentionDays`) and with nothing left to sync leave the live
   * state, so that opening the store and its memory follow the orders still in play. Each stays
   * answered by `orders.get(code)` (from the local archive, offline too; the server keeps them
   * all); lists show live orders only. Resolves to how many left. Nothing happens in memory.
   * Managers and admins only (403): the shop runs it on its own a few seconds after opening and
   * hourly, whatever its roles.
   */
  async applyRetention(days?: number): Promise<{ evicted: number }> {
    if (!this.context.roles.some((r) => r === 'manager' || r === 'admin')) {
      throw new EdgeCartError(403, 'Forbidden: to apply retention a caller needs the role manager or admin');
    }
    return this.retain(days);
  }

  private async retain(days?: number): Promise<{ evicted: number }> {
    if (this.closed) throw new EdgeCartError(503, 'The shop is closed');
    const window = days ?? this.retentionDays;
    if (typeof window !== 'number' || !(window >= 0)) throw new EdgeCartError(400, 'days must be a number >= 0');
    if (window === Infinity) return { evicted: 0 };
    const r = await this.executor.execute({ ...this.context, method: 'RETAIN', target: String(Math.round(window * DAY_MS)), body: '' });
    if (r.status >= 400) {
      const e = r.body as ErrorBody;
      throw new EdgeCartError(r.status, e?.message ?? `HTTP ${r.status}`, e);
    }
    return r.body as { evicted: number };
  }

  /** @internal runs retention a little after opening, then hourly, while the shop is open. */
  scheduleRetention(firstAfterMs = RETENTION_FIRST_MS): void {
    if (this.retentionDays === Infinity || this.closed) return;
    this.retention = setTimeout(() => {
      this.retain().catch(() => {}).finally(() => this.scheduleRetention(RETENTION_EVERY_MS));
    }, firstAfterMs);
    (this.retention as { unref?: () => void }).unref?.();
  }

  /** Finishes pending saves and releases the module; later calls reject with 503. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retention) clearTimeout(this.retention);
    finalizer?.unregister(this);
    await this.executor.close();
  }

  /** @internal emits the events of a committed write (from this tab or, as writer, another). */
  emitResult(result: RawResult): void {
    for (const n of result.notifications) {
      this.dispatchEvent(new ShopEvent<Notification>('notification', n as unknown as Notification));
    }
    for (const c of result.changes) this.dispatchEvent(new ShopEvent<Change>('change', c));
    if (result.changes.length > 0) this.dispatchEvent(new ShopEvent<Changes>('changes', { changes: result.changes }));
    for (const o of result.outcomes ?? []) this.dispatchEvent(new ShopEvent<SyncOutcome>('sync', o as unknown as SyncOutcome));
    if (result.syncStatus) this.dispatchEvent(new ShopEvent<SyncStatus>('syncstatus', result.syncStatus as unknown as SyncStatus));
  }

  private async call<T>(method: string, path: string, body?: unknown, options?: WriteOptions): Promise<T> {
    const r = await this.request<T | ErrorBody>(method, path, body, options);
    if (r.status >= 400) {
      const e = r.body as ErrorBody;
      throw new EdgeCartError(r.status, e?.message ?? `HTTP ${r.status}`, e);
    }
    return r.body as T;
  }
}
