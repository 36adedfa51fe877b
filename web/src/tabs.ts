// One writer per database (docs/design.md §6). Tabs of one origin that open the same database elect a
// writer with the Web Locks API; only the writer loads the store from IndexedDB and writes it.
// The other tabs follow it: they send their calls over a BroadcastChannel and get the writer's
// answers, so every tab sees the same state and no two tabs ever write the same IndexedDB files.
// When the writer goes away its lock is released and the next tab takes over, loading the store
// from IndexedDB. A write whose answer was lost with the old writer is refused with 503 (it may
// or may not have been saved), never replayed blindly; reads are simply asked again.

import { EdgeCartError } from './errors.js';
import type { Call, Executor, StoreStats } from './local.js';
import type { RawResult } from './module.js';

type Message =
  | { kind: 'who' }
  | { kind: 'writer'; tab: string }
  | { kind: 'call'; to: string; from: string; id: number; call: Call }
  | { kind: 'result'; to: string; id: number; result?: RawResult; error?: { status: number; message: string } }
  | { kind: 'events'; result: RawResult };

interface Pending {
  call: Call;
  writer: string;
  resolve(result: RawResult): void;
  reject(error: unknown): void;
}

/** True where tabs must coordinate (a browser with Web Locks and BroadcastChannel). */
export function canCoordinate(): boolean {
  const nav = (globalThis as { navigator?: { locks?: unknown } }).navigator;
  return !!nav?.locks && typeof BroadcastChannel !== 'undefined';
}

interface LockManager {
  request(name: string, options: { ifAvailable?: boolean; signal?: AbortSignal },
          callback: (lock: unknown) => Promise<void> | void): Promise<unknown>;
}

/** Resolves with a release function once the lock is held, or null if `ifAvailable` and taken. */
function acquire(name: string, ifAvailable: boolean, signal?: AbortSignal): Promise<(() => void) | null> {
  const locks = (globalThis as unknown as { navigator: { locks: LockManager } }).navigator.locks;
  return new Promise((resolve, reject) => {
    locks.request(name, ifAvailable ? { ifAvailable } : { signal }, (lock) => {
      if (!lock) {
        resolve(null);
        return;
      }
      return new Promise<void>((release) => resolve(release));
    }).catch(reject);
  });
}

export class TabExecutor implements Executor {
  private readonly tab = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  private readonly channel: BroadcastChannel;
  private readonly abort = new AbortController();
  private writer: Executor | null = null;  // set while this tab is the writer
  private writerTab: string | null = null;  // the tab that answers calls
  private release: (() => void) | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  private constructor(
    private readonly name: string,
    private readonly openWriter: () => Promise<Executor>,
    private readonly onResult: (result: RawResult) => void,
  ) {
    this.channel = new BroadcastChannel(`edgecart:${name}`);
    this.channel.onmessage = (e: MessageEvent<Message>) => this.receive(e.data);
  }

  /** Joins the tabs of database `name`: the writer if no other tab is, else a follower. */
  static async join(name: string, openWriter: () => Promise<Executor>,
                    onResult: (result: RawResult) => void): Promise<TabExecutor> {
    const tabs = new TabExecutor(name, openWriter, onResult);
    const release = await acquire(tabs.lockName(), true);
    if (release) {
      try {
        await tabs.becomeWriter(release);
      } catch (e) {
        // The store could not be opened here: give the database back to the other tabs.
        tabs.closed = true;
        tabs.channel.close();
        release();
        throw e;
      }
    } else {
      tabs.waitForTurn();
      tabs.channel.postMessage({ kind: 'who' } satisfies Message);
    }
    return tabs;
  }

  /** "writer" if this tab owns the database, else "follower". */
  get role(): 'writer' | 'follower' {
    return this.writer ? 'writer' : 'follower';
  }

  execute(call: Call): Promise<RawResult> {
    if (this.closed) return Promise.reject(new EdgeCartError(503, 'The shop is closed'));
    if (this.writer) return this.runAsWriter(call);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { call, writer: this.writerTab ?? '', resolve, reject });
      if (this.writerTab) this.send(id);
    });
  }

  stats(): StoreStats | null {
    return this.writer?.stats() ?? null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    for (const p of this.pending.values()) p.reject(new EdgeCartError(503, 'The shop is closed'));
    this.pending.clear();
    try {
      if (this.writer) await this.writer.close();
    } finally {
      this.channel.close();
      this.release?.();
    }
  }

  // Posting on a channel closed under an answer still in flight must not throw.
  private post(message: Message): void {
    try {
      this.channel.postMessage(message);
    } catch {
      // closed: the other tab sees this one leave through the lock instead
    }
  }

  private lockName(): string {
    return `edgecart:${this.name}`;
  }

  private async runAsWriter(call: Call): Promise<RawResult> {
    const result = await this.writer!.execute(call);
    if (result.changes.length > 0 || result.notifications.length > 0) {
      this.post({ kind: 'events', result } satisfies Message);
      this.onResult(result);
    }
    return result;
  }

  private waitForTurn(): void {
    acquire(this.lockName(), false, this.abort.signal).then(
      (release) => {
        if (!release) return;
        if (this.closed) {
          release();
          return;
        }
        this.becomeWriter(release).catch((e: unknown) => {
          // Could not take over: give the lock back and fail what was waiting, clearly.
          this.writer = null;
          release();
          for (const p of this.pending.values()) p.reject(e);
          this.pending.clear();
        });
      },
      () => {},  // aborted by close()
    );
  }

  private async becomeWriter(release: () => void): Promise<void> {
    this.release = release;
    const writer = await this.openWriter();
    // Background work of the writer (sync outcomes, pulled items) reaches every tab.
    if ('onEvents' in writer) {
      (writer as { onEvents: (r: RawResult) => void }).onEvents = (result) => {
        this.post({ kind: 'events', result } satisfies Message);
        this.onResult(result);
      };
    }
    this.writer = writer;
    this.writerTab = this.tab;
    this.post({ kind: 'writer', tab: this.tab } satisfies Message);
    // Calls this tab had sent to the previous writer.
    for (const [id, p] of [...this.pending]) {
      this.pending.delete(id);
      this.retryOrRefuse(p, () => this.runAsWriter(p.call));
    }
  }

  private send(id: number): void {
    const p = this.pending.get(id)!;
    p.writer = this.writerTab!;
    this.post({ kind: 'call', to: p.writer, from: this.tab, id, call: p.call } satisfies Message);
  }

  // A call sent to a writer that is gone: reads are asked again, writes are refused.
  private retryOrRefuse(p: Pending, retry: () => Promise<RawResult>): void {
    if (p.writer === '' || p.call.method === 'GET') {
      retry().then(p.resolve, p.reject);
    } else {
      p.reject(new EdgeCartError(503,
          'The tab that owned the database closed before answering; the change may or may not ' +
          'have been saved: read it back before retrying'));
    }
  }

  private receive(m: Message): void {
    if (this.closed) return;
    switch (m.kind) {
      case 'who':
        if (this.writer) this.post({ kind: 'writer', tab: this.tab } satisfies Message);
        break;
      case 'writer':
        if (this.writer || m.tab === this.writerTab) break;
        this.writerTab = m.tab;
        for (const [id, p] of [...this.pending]) {
          if (p.writer === '') {
            this.send(id);
          } else {
            this.pending.delete(id);
            this.retryOrRefuse(p, () => this.execute(p.call));
          }
        }
        break;
      case 'call':
        if (!this.writer || m.to !== this.tab) break;
        this.runAsWriter(m.call).then(
          (result) => this.post({ kind: 'result', to: m.from, id: m.id, result } satisfies Message),
          (e: unknown) => this.post({
            kind: 'result', to: m.from, id: m.id,
            error: { status: e instanceof EdgeCartError ? e.status : 500, message: String((e as Error)?.message ?? e) },
          } satisfies Message));
        break;
      case 'result': {
        if (m.to !== this.tab) break;
        const p = this.pending.get(m.id);
        if (!p) break;
        this.pending.delete(m.id);
        if (m.result) p.resolve(m.result);
        else p.reject(new EdgeCartError(m.error!.status, m.error!.message));
        break;
      }
      case 'events':
        this.onResult(m.result);
        break;
    }
  }
}
