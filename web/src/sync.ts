// Reconciliation with the server (docs/design.md §7), in the tab that owns the database. The core keeps
// the outbox, leases and cursor in the store (each change in one local commit); this class
// moves their JSON bodies over fetch: on demand, when the browser comes online, after local
// writes, and on a timer with exponential backoff and jitter that does not wait for a write.

import { EdgeCartError } from './errors.js';
import type { RawResult } from './module.js';
import type { ServerOptions, SyncOutcome, SyncStatus } from './types.js';

/** What the Syncer needs of the store it reconciles (LocalStore implements it). */
export interface SyncStore {
  /** Calls a sync function of the module; returns its JSON answer. */
  syncCall<T>(name: string, ...args: Array<string | number>): T;
  /** Runs `fn` after every write before it is saved (what is pushed must be durable). */
  durably<T>(fn: () => T): Promise<T>;
  /** Runs `fn` as a write, resolved once it is saved. */
  write<T>(fn: () => T): Promise<T>;
  /** Runs `fn` (module calls that write nothing) with the parts of the store it reads loaded. */
  read<T>(fn: () => T): Promise<T>;
  /** Reports a result to the shops (events). */
  onEvents(result: RawResult): void;
}

const BATCH = 250;  // commands per push: ~100 KB of JSON, one server transaction, one local save
const PULL_PAGE = 500;  // rows per pull page: one local commit each (larger pages grow the module's memory more)

// The claims of a JWT, decoded but not verified (the server verifies), or null.
function tokenClaims(token: string): Record<string, unknown> | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const binary = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
    return claims !== null && typeof claims === 'object' ? claims as Record<string, unknown> : null;
  } catch {
    return null;
  }
}

/** The lower-cased `custom:tenant` claim of a JWT, or null if the token carries none. */
export function tokenTenant(token: string): string | null {
  const tenant = tokenClaims(token)?.['custom:tenant'];
  return typeof tenant === 'string' ? tenant.toLowerCase() : null;
}

/** The `custom:roles` claim of a JWT (an array, or one comma-separated string); [] if none. */
export function tokenRoles(token: string): string[] {
  const roles = tokenClaims(token)?.['custom:roles'];
  if (typeof roles === 'string') return roles.split(',').filter((r) => r.length > 0);
  return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
}

export class Syncer {
  private running: Promise<void> | null = null;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private stopped = false;
  private lastSyncAt: string | null = null;
  private lastError: string | null = null;
  private reachable = true;
  private reported = '';
  private readonly onOnline = () => void this.sync().catch(() => {});
  private listener: AbortController | null = null;
  /** Rows pulled so far; milliseconds fetching their pages, applying them in the module, saving them. */
  readonly pulled = { rows: 0, fetchMs: 0, applyMs: 0, saveMs: 0 };

  /** `onStatus` is called with the status whenever one of its fields changed. */
  constructor(private readonly local: SyncStore, private readonly options: ServerOptions,
              private readonly onStatus: (status: SyncStatus) => void = () => {}) {
    globalThis.addEventListener?.('online', this.onOnline);
    this.schedule(0);
    if (options.live ?? true) void this.listen();
  }

  /** Reports the status if a field changed since the last report (after syncs and local writes). */
  report(): void {
    if (this.stopped) return;
    let status: SyncStatus;
    try {
      status = this.status();
    } catch {
      return;  // the store is closing
    }
    const text = JSON.stringify(status);
    if (text === this.reported) return;
    this.reported = text;
    this.onStatus(status);
  }

  /** Runs one full sync (lease, push, pull); concurrent callers share it. Rejects on failure. */
  sync(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.once();
        } while (this.again && !this.stopped);
        this.failures = 0;
        this.lastError = null;
        this.reachable = true;
        this.lastSyncAt = new Date().toISOString();
        this.schedule(this.options.intervalMs ?? 30_000);
      } catch (e) {
        this.failures++;
        this.lastError = e instanceof Error ? e.message : String(e);
        // 1 s, 2 s, 4 s ... up to a minute, with jitter so tills do not retry in step.
        const base = Math.min(60_000, 1000 * 2 ** Math.min(this.failures - 1, 6));
        this.schedule(base / 2 + Math.random() * base / 2);
        throw e;
      } finally {
        this.running = null;
        this.report();
      }
    })();
    return this.running;
  }

  /** A local write happened: sync soon. */
  poke(): void {
    this.report();
    if (this.failures === 0) this.schedule(50);
  }

  status(): SyncStatus {
    const s = this.local.syncCall<{ pending: number; oldestPendingAt: string | null; leasedCodesLeft: number; clientId: string; tenant: string }>('syncStatus');
    const online = this.reachable && ((globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine ?? true);
    return { online, pending: s.pending, oldestPendingAt: s.oldestPendingAt ?? null, lastSyncAt: this.lastSyncAt,
             lastError: this.lastError, conflicts: this.local.syncCall<unknown[]>('syncProblems').length,
             leasedCodesLeft: s.leasedCodesLeft, clientId: s.clientId, tenant: s.tenant };
  }

  stop(): void {
    this.stopped = true;
    this.listener?.abort();
    if (this.timer) clearTimeout(this.timer);
    globalThis.removeEventListener?.('online', this.onOnline);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.sync().catch(() => {}), ms);
  }

  private async once(): Promise<void> {
    const size = this.options.leaseSize ?? 100;
    const s = await this.local.read(() => this.local.syncCall<{ leasedCodesLeft: number }>('syncStatus'));
    if (s.leasedCodesLeft < Math.max(1, size / 4)) {
      const answer = await this.fetch('POST', '/sync/lease', await this.local.read(() => this.local.syncCall<object>('syncLeaseBody', size)));
      await this.local.write(() => this.local.syncCall('syncApplyLease', JSON.stringify(answer)));
    }
    for (;;) {
      // Only what is saved in IndexedDB is pushed: a command the server applied must never
      // vanish from this store in a crash (its seq and order code would be given out again).
      const body = await this.local.durably(() => this.local.syncCall<object | null>('syncPushBody', BATCH));
      if (body === null) break;
      const answer = await this.fetch('POST', '/sync/push', body);
      // Marked sent only now that the server answered; applied in one local commit.
      const outcomes = await this.local.write(() => this.local.syncCall<SyncOutcome[]>('syncApplyPush', JSON.stringify(answer)));
      // A replayed outcome is one whose first answer never reached this store: its alerts are new here.
      const notifications = outcomes.flatMap((o) => o.notifications ?? []);
      this.local.onEvents({ status: 200, body: null, notifications, changes: [], lsn: 0, outcomes: outcomes as unknown as Array<Record<string, unknown>> });
    }
    for (;;) {
      const query = await this.local.read(() => this.local.syncCall<string>('syncPullQuery', PULL_PAGE));
      const t0 = performance.now();
      // The page's text goes to the module as it came: parsed once, there.
      const text = await this.fetch('GET', `/sync/pull?${query}`, undefined, true) as string;
      const t1 = performance.now();
      let applied = 0;
      const { more, changes } = await this.local.write(() => {
        const t = performance.now();
        const r = this.local.syncCall<{ more: boolean; changes: Array<{ sk: string; version: number }> }>('syncApplyPull', text);
        applied = performance.now() - t;
        return r;
      });
      this.pulled.rows += changes.length;
      this.pulled.fetchMs += t1 - t0;
      this.pulled.applyMs += applied;
      this.pulled.saveMs += performance.now() - t1 - applied;
      if (changes.length) this.local.onEvents({ status: 200, body: null, notifications: [], lsn: 0, changes });
      if (!more) break;
    }
  }

  // Live updates: GET /sync/events, a stream of `event: changed` whenever this device's feed moved
  // on the server. Each one (and each reconnect, which may have missed some) syncs now. Dropped
  // streams reconnect after 1 s, 2 s, ... at most 30 s; a server without the route (404) is
  // left to the timer.
  private async listen(): Promise<void> {
    let delay = 1000;
    while (!this.stopped) {
      const abort = new AbortController();
      this.listener = abort;
      try {
        const token = await this.authorizedToken();
        const response = await fetch(`${this.options.url}/sync/events`, {
          headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: abort.signal,
        });
        if (response.status === 404) return;
        if (!response.ok || !response.body) throw new Error(`events ${response.status}`);
        delay = 1000;
        this.changed();  // caught up after a (re)connect
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (/^event: changed$/m.test(event)) this.changed();
          }
        }
      } catch {
        // dropped, refused or offline: try again below
      }
      if (this.stopped) return;
      await new Promise((r) => setTimeout(r, delay / 2 + Math.random() * delay / 2));
      delay = Math.min(30_000, delay * 2);
    }
  }

  /** The server says this device's feed moved: sync now, unless a failure's back-off is running. */
  private changed(): void {
    if (this.failures === 0) this.schedule(0);
  }

  // A fresh token. One for another tenant would lease that tenant's order numbers into this store
  // and pull its items: refused before anything is sent or changed.
  private async authorizedToken(): Promise<string> {
    const token = typeof this.options.token === 'function' ? await this.options.token() : this.options.token;
    const shopTenant = (await this.local.read(() => this.local.syncCall<{ tenant: string }>('syncStatus'))).tenant;
    const claimed = tokenTenant(token);
    if (claimed !== shopTenant) {
      throw new EdgeCartError(403, claimed === null
        ? `The sync token has no custom:tenant claim; this shop is tenant ${shopTenant}: nothing was synced`
        : `The sync token is for tenant ${claimed}, but this shop is tenant ${shopTenant}: nothing was synced`);
    }
    return token;
  }

  // The server's answer, parsed; or its text (`asText`), for a body only the module reads.
  private async fetch(method: string, path: string, body?: object, asText = false): Promise<unknown> {
    const token = await this.authorizedToken();
    let response: Response;
    try {
      response = await fetch(`${this.options.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (e) {
      this.reachable = false;
      throw new EdgeCartError(503, `Server unreachable: ${(e as Error).message}`);
    }
    this.reachable = true;
    if (asText && response.ok) return response.text();
    const answer = await response.json().catch(() => ({})) as { message?: string };
    if (!response.ok) throw new EdgeCartError(response.status, `Sync ${path} failed: ${answer.message ?? response.status}`);
    return answer;
  }
}
