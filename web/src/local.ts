// The module in this JS realm: one wasm instance, its store directory (an IDBFS mount or
// memory), and the durable acknowledgement of every write.

import { EdgeCartError } from './errors.js';
import type { EdgeCartModule, ModuleLoader, RawResult, ShopHandle } from './module.js';
import { hardenIdbfs } from './idbfs.js';
import { WriteQueue, syncfs } from './persist.js';

/** One call as the core takes it. */
export interface Call {
  tenant: string;
  user: string;
  roles: string[];
  method: string;
  target: string;
  body: string;
}

/** Executes calls: here (LocalStore) or through the tab that owns the database. */
export interface Executor {
  execute(call: Call): Promise<RawResult>;
  close(): Promise<void>;
}

export class LocalStore implements Executor {
  private lsn: number;
  private closed = false;
  private stamp = 0;  // the last modification time given to a log file (ms)

  private constructor(
    private readonly module: EdgeCartModule,
    private readonly handle: ShopHandle,
    private readonly dir: string,
    private readonly queue: WriteQueue | null,
  ) {
    this.lsn = (JSON.parse(handle.stats()) as { lastLsn?: number }).lastLsn ?? 0;
  }

  /**
   * Opens the store. With a database name, the store lives in IndexedDB: everything is loaded
   * (syncfs(true)) before this resolves, so no call is ever answered from a partial store.
   */
  static async open(loader: ModuleLoader, database: string | null): Promise<LocalStore> {
    const module = await loader();
    let dir = '';
    let queue: WriteQueue | null = null;
    if (database !== null) {
      dir = `/edgecart/${database}`;  // IDBFS names the IndexedDB database after the mount point
      if (!module.FS.analyzePath('/edgecart').exists) module.FS.mkdir('/edgecart');
      module.FS.mkdir(dir);
      hardenIdbfs(module.IDBFS);
      module.FS.mount(module.IDBFS, {}, dir);
      await syncfs(module.FS, true);
      queue = new WriteQueue(module.FS);
    }
    const handle = new module.ShopHandle();
    const error = handle.open(dir);
    if (error) {
      handle.delete();
      const body = JSON.parse(error) as { statusCode: number; message: string; error: string };
      throw new EdgeCartError(body.statusCode, body.message, body);
    }
    return new LocalStore(module, handle, dir, queue);
  }

  /**
   * Runs the call. Reads run at once; writes go through the write queue, and a write's promise
   * resolves only after the IndexedDB sync that saved it.
   */
  async execute(call: Call): Promise<RawResult> {
    if (this.closed) throw new EdgeCartError(503, 'The shop is closed');
    if (!this.queue || call.method === 'GET') return this.run(call);
    let result: RawResult | null = null;
    await this.queue.submit(() => {
      result = this.run(call);
      if (result.lsn === this.lsn) return false;
      this.lsn = result.lsn;
      this.stampActiveSegment();
      return true;
    });
    return result!;
  }

  private run(call: Call): RawResult {
    return JSON.parse(this.handle.request(call.tenant, call.user, JSON.stringify(call.roles),
        call.method, call.target, call.body)) as RawResult;
  }

  // IDBFS decides what to save by comparing modification times only, to the millisecond. An
  // append in the same millisecond as the previous sync read the file would look unchanged and
  // never be saved, so every write gives the segment it appended to a strictly newer time.
  private stampActiveSegment(): void {
    const FS = this.module.FS;
    const segments = FS.readdir(this.dir).filter((f) => f.startsWith('seg-')).sort();
    const active = segments[segments.length - 1];
    if (!active) return;
    const path = `${this.dir}/${active}`;
    this.stamp = Math.max(Date.now(), this.stamp + 1, FS.stat(path).mtime.getTime());
    FS.utime(path, this.stamp, this.stamp);
  }

  /** Statistics of the log (segments, snapshot, records replayed at open) and syncs done. */
  stats(): Record<string, number> {
    return { ...(JSON.parse(this.handle.stats()) as Record<string, number>), syncs: this.queue?.syncs ?? 0 };
  }

  /** Waits for pending saves, then releases the module. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.queue) await this.queue.idle();
    } finally {
      this.handle.close();
      this.handle.delete();
      if (this.dir) this.module.FS.unmount(this.dir);
    }
  }
}
