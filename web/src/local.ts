// The module in this JS realm: one wasm instance, its store directory (kept in IndexedDB by
// idbfiles.ts, or in memory only), and the durable acknowledgement of every write.

import { EdgeCartError } from './errors.js';
import { IdbFiles, type Durability } from './idbfiles.js';
import type { EdgeCartModule, ModuleLoader, RawResult, ShopHandle, WantedChunks } from './module.js';
import { WriteQueue } from './persist.js';
import { Syncer, type SyncStore } from './sync.js';
import type { DatabaseKind, StoreStats } from './stats.js';
import type { ErrorBody, ServerOptions } from './types.js';

export type { DatabaseKind, StoreStats } from './stats.js';

/** One call as the core takes it. */
export interface Call {
  tenant: string;
  user: string;
  roles: string[];
  method: string;
  target: string;
  body: string;
  /** A write's Idempotency-Key ("" or absent: none). */
  idempotencyKey?: string;
}

/** Executes calls: here (LocalStore) or through the tab that owns the database. */
export interface Executor {
  execute(call: Call): Promise<RawResult>;
  close(): Promise<void>;
  /** Statistics of the store this executor writes, or null where another tab owns it. */
  stats(): StoreStats | null;
}


// The log's shape in the browser. A save puts only the bytes appended since the last one, so the
// segment size does not change what a commit costs; compacting every MiB of log bounds what an
// open replays, and chunks of 256 KiB keep what a compaction rewrites small.
const BROWSER_LOG = { segmentBytes: 256 * 1024, compactMinBytes: 1024 * 1024, chunkBytes: 256 * 1024 };

// The snapshot's chunks (chk-<hex id>.ecc): written once, read at most once by the core, and
// loaded from IndexedDB only when a call first needs a row of one (chunks on demand).
const CHUNKS = 'chk-';
// The chunks whose ranges the log since the snapshot wrote to, where the first calls after an open
// are likely to read (the latest orders, the stock just sold): written before each save, loaded by
// the next open with the log (IdbFilesOptions.hint), in the same IndexedDB transaction.
const OPEN_HINT = 'open-hint.json';
const isChunk = (path: string) => /^chk-[0-9a-f]+\.ecc$/.test(path);
// Runs of a call that each load the chunks the run before asked for (a scan meets one range at a
// time); a call that still asks for more then waits for every chunk and runs once more.
const CHUNK_RUNS = 4;

// Orders retention evicts per commit, and how many make it compact the log.
const RETAIN_BATCH = 1000;
const COMPACT_AFTER_EVICTING = 256;

export class LocalStore implements Executor, SyncStore {
  private closed = false;
  private allLoaded: Promise<void> | null = null;
  private collecting: WantedChunks | null = null;  // the attempt whose module calls are running
  private openMs = { module: 0, load: 0, open: 0 };
  private openChunks = { ahead: 0 };
  private syncer: Syncer | null = null;
  /** Set by the owner: events of work no call caused (background sync: outcomes, pulled items). */
  onEvents: (result: RawResult) => void = () => {};

  private constructor(
    private readonly module: EdgeCartModule,
    private readonly handle: ShopHandle,
    private readonly files: { state: IdbFiles; archive: IdbFiles } | null,
    private readonly queue: WriteQueue | null,
    private readonly durability: Durability | null,
    private readonly kind: DatabaseKind | null,
  ) {}

  /**
   * Opens the store. With a database name, the store lives in IndexedDB: everything is loaded
   * before this resolves, so no call is ever answered from a partial store. Saves commit with
   * `durability` ('strict' unless told). With `kind` 'idbfs', the files live in Emscripten's IDBFS
   * mounts instead: loaded whole by `FS.syncfs(true)`, and each save is one `FS.syncfs(false)`
   * under the same rule (a write resolves after a save that started after it completed).
   */
  static async open(loader: ModuleLoader, database: string | null, durability: Durability = 'strict',
                    kind: DatabaseKind = 'indexeddb'): Promise<LocalStore> {
    const t0 = performance.now();
    // The state's files are read from IndexedDB while the module is instantiated (neither needs
    // the other); they go into its file system once both are there.
    const stateDir = database === null ? '' : `/edgecart/${database}`;
    const stored = database !== null && kind === 'indexeddb' ? IdbFiles.read(stateDir, stateDir, CHUNKS, OPEN_HINT) : null;
    stored?.catch(() => {});  // handled where it is awaited (IdbFiles.open), not reported meanwhile
    let module: EdgeCartModule;
    try {
      module = await loader();
    } catch (e) {
      stored?.then(({ db }) => db.close(), () => {});
      throw e;
    }
    const t1 = performance.now();
    const { FS } = module;
    let dir = '';
    let archiveDir = '';
    let queue: WriteQueue | null = null;
    let files: { state: IdbFiles; archive: IdbFiles } | null = null;
    let writeHint = () => {};
    if (database !== null && kind === 'idbfs') {
      // One IDBFS database per mount point: `/edgecart-idbfs/<name>` and its archive, never the
      // default storage's databases (`/edgecart/<name>`, which migrate IDBFS databases of that
      // name when they open: the two must not share one).
      dir = `/edgecart-idbfs/${database}`;
      archiveDir = `${dir}.archive`;
      if (!FS.analyzePath('/edgecart-idbfs').exists) FS.mkdir('/edgecart-idbfs');
      FS.mkdir(dir);
      FS.mkdir(archiveDir);
      FS.mount(module.IDBFS, {}, dir);
      FS.mount(module.IDBFS, {}, archiveDir);
      const syncfs = (populate: boolean) => new Promise<void>((resolve, reject) => {
        FS.syncfs(populate, (error) => (error ? reject(new EdgeCartError(500,
            `IDBFS could not ${populate ? 'load' : 'save'} database ${database}: ${String(error)}`)) : resolve()));
      });
      await syncfs(true);
      // IDBFS saves a file only if its mtime (milliseconds) differs from the one it last saved, so
      // a file written again in the millisecond a save read it would look unchanged: that write
      // would be acknowledged and never saved. Each save therefore ends only once the clock has
      // passed the millisecond it started in; writes run only between saves, so every write's
      // mtime is later than what the last save stored.
      queue = new WriteQueue(async () => {
        const started = Date.now();
        await syncfs(false);
        while (Date.now() <= started) await new Promise((resolve) => setTimeout(resolve, 1));
      });
      durability = 'relaxed';
    } else if (database !== null) {
      // Two IndexedDB databases: the state (log segments + snapshot), loaded whole at open, and
      // the archive of command/history rows, which is only ever added to and never loaded. (The
      // names are the folders', as Emscripten's IDBFS named them: its databases are migrated.)
      dir = stateDir;
      archiveDir = `${stateDir}.archive`;
      if (!FS.analyzePath('/edgecart').exists) FS.mkdir('/edgecart');
      FS.mkdir(dir);
      FS.mkdir(archiveDir);
      // The snapshot's chunks stay in IndexedDB until a call needs one, and leave memory once the
      // core has read them (it keeps the rows).
      const state = await IdbFiles.open(FS, dir, dir, { durability, sealed: isChunk, onDemand: CHUNKS, hint: OPEN_HINT },
                                        stored!);
      const archive = await IdbFiles.open(FS, archiveDir, archiveDir, { archive: true, durability });
      files = { state, archive };
      // The archive first: a compaction's audit rows are saved before the state that drops the
      // segments holding them.
      queue = new WriteQueue(async () => {
        await archive.save();
        writeHint();
        await state.save();
      });
    }
    const t2 = performance.now();
    const handle = new module.ShopHandle();
    const options = database === null ? '' : JSON.stringify({ ...BROWSER_LOG, chunksOnDemand: files !== null });
    // The open reads no chunk: its replay of the log since the snapshot needs none loaded.
    const error = handle.open(dir, archiveDir, options);
    if (error) {
      handle.delete();
      files?.state.close();
      files?.archive.close();
      const body = JSON.parse(error) as ErrorBody;
      throw new EdgeCartError(body.statusCode, body.message, body);
    }
    if (files) {
      let written = '';
      writeHint = () => {
        const chunks = handle.chunksWrittenSinceSnapshot();
        if (chunks !== written) FS.writeFile(`${dir}/${OPEN_HINT}`, new TextEncoder().encode(chunks));
        written = chunks;
      };
    }
    const store = new LocalStore(module, handle, files, queue, database === null ? null : durability,
                                 database === null ? null : kind);
    store.openMs = { module: t1 - t0, load: t2 - t1, open: performance.now() - t2 };
    store.openChunks = { ahead: files?.state.loadedAhead ?? 0 };
    return store;
  }

  /**
   * Runs the call. Reads run at once; writes go through the write queue, and a write's promise
   * resolves only after the IndexedDB sync that saved it.
   */
  async execute(call: Call): Promise<RawResult> {
    if (this.closed) throw new EdgeCartError(503, 'The shop is closed');
    if (call.method === 'SYNC') return this.syncControl(call);
    if (call.method === 'RETAIN') return this.retain(call);
    if (!this.queue || call.method === 'GET') {
      const result = await this.withChunks(async (collect) => collect(() => this.run(call)));
      return result.status === 404 && call.method === 'GET' ? this.fromArchive(call, result) : result;
    }
    const result = await this.write(() => this.run(call));
    if (this.syncer && result.changes.length) this.syncer.poke();
    return result;
  }

  /**
   * Runs `attempt`, a call of the module, with chunks on demand: the chunks it asked for are
   * loaded from IndexedDB, and if it wrote nothing (the core refuses every commit after such a
   * read) it runs again. One that wrote keeps its outcome: what asked for them was the compaction
   * after its commit, which runs again after a later one. Calls that may commit more than once
   * (a conflict's resolve, retention) run only once everything is loaded (`loaded`).
   */
  //
  // `attempt` runs its module calls through `collect`, which gathers what each asked for in the
  // same turn: other calls run while a write waits for its save, and must not take its list.
  private async withChunks<T>(attempt: (collect: <R>(fn: () => R) => R) => Promise<T>): Promise<T> {
    for (let runs = 1; ; runs++) {
      const wanted: WantedChunks = { chunks: [], wrote: false, ahead: [] };
      const collect = <R>(fn: () => R): R => {
        const outer = this.collecting;
        this.collecting = wanted;
        try {
          return fn();
        } finally {
          this.collecting = outer;
        }
      };
      let value: T | undefined;
      let error: unknown = null;
      try {
        value = await attempt(collect);
      } catch (e) {
        error = e ?? new Error('failed');
      }
      if (wanted.chunks.length === 0 || wanted.wrote || runs > CHUNK_RUNS || !this.files) {
        if (wanted.chunks.length > 0) void this.files?.state.load(wanted.chunks).catch(() => {});
        if (error) throw error;
        return value as T;
      }
      if (runs < CHUNK_RUNS) await this.files.state.load([...wanted.chunks, ...wanted.ahead]);
      else await this.loaded();
    }
  }

  // Every call of the module comes here: what it asked for goes to the attempt collecting it. A
  // call outside one (the sync's status, once everything is loaded) loads what it asked for,
  // for the next call; its own outcome stands (an error, as the chunk was not there).
  private callModule<R>(fn: () => R): R {
    try {
      return fn();
    } finally {
      if (this.files) {
        const w = JSON.parse(this.handle.takeWantedChunks()) as WantedChunks;
        if (this.collecting) {
          this.collecting.chunks.push(...w.chunks);
          this.collecting.ahead.push(...w.ahead);
          this.collecting.wrote ||= w.wrote;
        } else if (w.chunks.length > 0) {
          void this.files.state.load(w.chunks).catch(() => {});
        }
      }
    }
  }

  /** Runs `fn` (synchronous module calls that write nothing) with the chunks it asks for. */
  read<T>(fn: () => T): Promise<T> {
    return this.withChunks(async (collect) => collect(fn));
  }

  /**
   * Resolves once every chunk of the snapshot is loaded (started by the first caller): what the
   * calls that may commit more than once wait for, and a call that still asks for chunks after
   * CHUNK_RUNS runs.
   */
  loaded(): Promise<void> {
    if (!this.files) return Promise.resolve();
    this.allLoaded ??= this.files.state.loadAll().catch((e) => {
      this.allLoaded = null;  // the next caller tries again
      throw e;
    });
    return this.allLoaded;
  }

  /**
   * Turns on reconciliation with a server for `tenant`: writes of that tenant enter the outbox,
   * and a Syncer moves them. The client id is kept in the store (a new one is made once).
   */
  async enableSync(tenant: string, server: ServerOptions): Promise<void> {
    if (this.syncer) throw new EdgeCartError(409, 'This database already syncs for a tenant');
    const bytes = new Uint8Array(12);
    if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(bytes);
    else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);  // Node 18
    const fresh = `c${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
    await this.withChunks(async (collect) => collect(() => this.syncCall('enableSync', tenant, fresh)));
    this.syncer = new Syncer(this, server, (status) => this.onEvents({
      status: 200, body: null, notifications: [], changes: [], lsn: 0, syncStatus: status as unknown as Record<string, unknown>,
    }));
  }

  /**
   * A database that synced `tenant` before, opened without a server: its writes of that tenant
   * still enter the outbox and take leased or device-series codes (a sale made meanwhile is never
   * lost, nor its code reused); they are pushed when the database is next opened with the server.
   */
  async resumeOutbox(tenant: string): Promise<void> {
    await this.withChunks(async (collect) => collect(() => this.syncCall('resumeSync', tenant)));
  }

  /**
   * Calls a sync method of the handle; its JSON answer, or EdgeCartError. Needs the chunks it
   * reads: called within `read`, `write` or `durably` (which load them), or once `loaded` resolved.
   */
  syncCall<T>(name: string, ...args: Array<string | number>): T {
    const fn = (this.handle as unknown as Record<string, (...a: Array<string | number>) => string>)[name];
    const answer = JSON.parse(this.callModule(() => fn.apply(this.handle, args))) as
        T & { error?: { statusCode: number; message: string } };
    if (answer && typeof answer === 'object' && !Array.isArray(answer) && answer.error) {
      throw new EdgeCartError(answer.error.statusCode, answer.error.message);
    }
    return answer;
  }

  /** Runs `fn` (synchronous, read-only) after everything written so far is saved. */
  durably<T>(fn: () => T): Promise<T> {
    return this.queued(fn, true);  // a save even if nothing is new: it covers every earlier write
  }

  /** Runs `fn` (synchronous, may write the store) as a write: resolves after it is saved. */
  write<T>(fn: () => T): Promise<T> {
    return this.queued(fn, false);
  }

  // Runs `fn` in the write queue, with the chunks it asks for; resolves after the save that
  // follows it (which runs if it wrote, or `save`).
  private async queued<T>(fn: () => T, save: boolean): Promise<T> {
    if (this.closed) throw new EdgeCartError(503, 'The shop is closed');
    const queue = this.queue;
    if (!queue) return fn();
    return this.withChunks(async (collect) => {
      let value: T;
      await queue.submit(() => {
        value = collect(fn);
        return save || this.wrote();
      });
      return value!;
    });
  }

  // Retention (internal RETAIN call, target = the window in ms): the tenant's final, synced orders
  // unchanged for the window leave the live state; their last versions go to the evicted store
  // in the save that records their removal (one IndexedDB transaction). Memory: nothing to do.
  private async retain(call: Call): Promise<RawResult> {
    const finalForMs = Number(call.target);
    await this.loaded();  // each batch is a commit, and several run
    let evicted = 0;
    for (let n = RETAIN_BATCH; this.files && this.queue && n === RETAIN_BATCH;) {
      await this.queue.submit(() => {
        const answer = this.syncCall<{ evicted: Array<{ code: string }> }>('evictFinalOrders', call.tenant, finalForMs, RETAIN_BATCH);
        for (const item of answer.evicted) this.files!.state.stage([call.tenant, item.code], item);
        n = answer.evicted.length;
        return this.wrote();
      });
      evicted += n;
    }
    // Many left: a snapshot now, so that the next open reads neither them nor their removal.
    if (evicted >= COMPACT_AFTER_EVICTING && this.queue) {
      await this.queue.submit(() => {
        this.syncCall<boolean>('compact');
        return this.wrote();
      });
    }
    return { status: 200, body: { evicted }, notifications: [], changes: [],
             lsn: (JSON.parse(this.handle.stats()) as { lastLsn?: number }).lastLsn ?? 0 };
  }

  // GET /orders/{code} of an order retention took out: its last version, from the evicted store,
  // to whoever may read it (staff, or the customer who placed it); anything else stays a 404.
  private async fromArchive(call: Call, notFound: RawResult): Promise<RawResult> {
    const m = /^\/orders\/([^/?#]+)$/.exec(call.target);
    if (!m || !this.files) return notFound;
    const item = await this.files.state.evicted([call.tenant, decodeURIComponent(m[1])]) as
        { attributes?: { customerId?: string } } | undefined;
    if (!item) return notFound;
    const staff = call.roles.some((r) => r === 'cashier' || r === 'manager' || r === 'admin');
    if (!staff && item.attributes?.customerId !== call.user) return notFound;
    return { ...notFound, status: 200, body: item, archived: true };
  }

  // Internal SYNC calls (forwarded from follower tabs like any call): status, now, problems,
  // resolve?seq=N&action=retry|discard.
  private async syncControl(call: Call): Promise<RawResult> {
    const done = (status: number, body: unknown): RawResult => ({ status, body, notifications: [], changes: [],
        lsn: (JSON.parse(this.handle.stats()) as { lastLsn?: number }).lastLsn ?? 0 });
    if (!this.syncer) return done(409, { statusCode: 409, error: 'Conflict', message: 'This shop has no server to sync with' });
    const [what, query] = call.target.split('?');
    try {
      const syncer = this.syncer;
      if (what === 'status') return done(200, await this.read(() => syncer.status()));
      if (what === 'problems') return done(200, await this.read(() => this.syncCall('syncProblems')));
      if (what === 'now') {
        await this.syncer.sync();
        return done(200, this.syncer.status());
      }
      if (what === 'resolve') {
        await this.loaded();  // it may commit twice
        const q = new URLSearchParams(query);
        const r = await this.write(() => this.syncCall<{ status: number; body: unknown }>(
            'syncResolve', call.tenant, Number(q.get('seq')), q.get('action') ?? ''));
        if (r.status < 400) this.syncer.poke();
        return done(r.status, r.body);
      }
    } catch (e) {
      const status = e instanceof EdgeCartError ? e.status : 500;
      return done(status, { statusCode: status, error: 'Error', message: (e as Error).message });
    }
    return done(404, { statusCode: 404, error: 'Not Found', message: `Unknown sync call ${what}` });
  }

  // After a write ran: true if it changed a file (the queue then saves). IDBFS tells no one what
  // changed: every write is saved (its syncfs finds the changed files by their mtime).
  private wrote(): boolean {
    if (this.kind === 'idbfs') return true;
    return !!this.files && (this.files.state.pending || this.files.archive.pending);
  }

  private run(call: Call): RawResult {
    return JSON.parse(this.callModule(() => this.handle.request(call.tenant, call.user, JSON.stringify(call.roles),
        call.method, call.target, call.body, call.idempotencyKey ?? ''))) as RawResult;
  }

  /** Statistics of the log (segments, snapshot, records replayed at open) and syncs done. */
  stats(): StoreStats {
    const zero = { lastLsn: 0, snapshotLsn: 0, segmentFiles: 0, logBytesSinceSnapshot: 0, snapshotBytes: 0,
                   compactions: 0, snapshotChunks: 0, lastCompactionBytes: 0, stateRows: 0,
                   recordsReplayed: 0, tornBytesDropped: 0 };
    return { ...zero, ...(JSON.parse(this.handle.stats()) as Partial<StoreStats>),
             syncs: this.queue?.syncs ?? 0,
             savedBytes: (this.files?.state.bytesSaved ?? 0) + (this.files?.archive.bytesSaved ?? 0),
             heapBytes: this.module.HEAP8?.length ?? 0, storage: this.kind, durability: this.durability,
             openMs: this.openMs,
             pulled: this.syncer ? { ...this.syncer.pulled } : null,
             fileBytesInMemory: this.files?.state.memoryBytes() ?? 0,
             chunksNotLoaded: this.files?.state.notLoaded ?? 0,
             chunksHeld: this.files?.state.sealedHeld ?? 0,
             chunkLoads: this.files?.state.loads ?? 0,
             openChunks: this.openChunks };
  }

  /** Waits for pending saves, then releases the module. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.syncer?.stop();
    try {
      if (this.queue) await this.queue.close();  // what was submitted is saved; nothing new starts
    } finally {
      this.handle.close();
      this.handle.delete();
      this.files?.state.close();
      this.files?.archive.close();
    }
  }
}
