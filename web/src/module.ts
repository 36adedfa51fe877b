// The compiled module as JavaScript sees it (wasm_bindings/bindings.cpp and Emscripten's FS).

/** What module calls asked for (ShopHandle.takeWantedChunks): chunks not loaded, and whether a commit landed. */
export interface WantedChunks {
  chunks: string[];
  wrote: boolean;
  /** The chunks after those, in key order, not loaded either: what a scan reads next. */
  ahead: string[];
}

/** The shop handle registered by embind. Strings in, JSON strings out; never throws. */
export interface ShopHandle {
  /** Opens the store in `dir` ("" = in memory) archiving to `archiveDir`, with log options as
   *  JSON ("" = defaults); "" or an error body as JSON. */
  open(dir: string, archiveDir: string, optionsJson: string): string;
  /** One call; JSON {status, body, notifications, changes, lsn, replayed?}. */
  request(tenant: string, user: string, rolesJson: string, method: string, target: string,
          body: string, idempotencyKey: string): string;
  stats(): string;
  close(): void;
  /** Reconciliation; each returns JSON, {"error": {...}} on failure. */
  enableSync(tenant: string, clientId: string): string;
  resumeSync(tenant: string): string;
  syncPushBody(limit: number): string;
  syncApplyPush(answer: string): string;
  syncPullQuery(limit: number): string;
  syncApplyPull(answer: string): string;
  syncLeaseBody(size: number): string;
  syncApplyLease(answer: string): string;
  syncStatus(): string;
  syncProblems(): string;
  syncResolve(tenant: string, seq: number, action: string): string;
  /** Retention: JSON {evicted: [items]} or {"error": {...}}. */
  evictFinalOrders(tenant: string, finalForMs: number, limit: number): string;
  /** Compacts the log now: JSON true (false in memory) or {"error": {...}}. */
  compact(): string;
  /** What calls since the last take needed and found not loaded (chunks on demand): JSON
   *  {chunks: names in the store's directory, wrote: a commit landed meanwhile}; takes the list
   *  (commits pass again). */
  takeWantedChunks(): string;
  /** The chunks whose range saw a write since the snapshot: a JSON array of names. */
  chunksWrittenSinceSnapshot(): string;
  /** Frees the C++ object (embind). */
  delete(): void;
}

/** An open file of Emscripten's FS. */
export interface FileStream {
  path: string;
  position: number;
  flags: number;
}

/** The subset of Emscripten's FS used here (idbfiles.ts also wraps write/truncate/open/rename/unlink). */
export interface EmscriptenFS {
  mkdir(path: string): void;
  analyzePath(path: string): { exists: boolean };
  readdir(path: string): string[];
  stat(path: string): { mtime: Date; size: number; mode: number };
  unlink(path: string): void;
  rename(from: string, to: string): void;
  open(path: string, flags: number | string, mode?: number): FileStream;
  close(stream: FileStream): void;
  read(stream: FileStream, buffer: Uint8Array, offset: number, length: number, position: number): number;
  write(stream: FileStream, buffer: ArrayBufferView, offset: number, length: number, position?: number,
        canOwn?: boolean): number;
  truncate(pathOrNode: string | object, length: number): void;
  writeFile(path: string, data: Uint8Array): void;
  getPath(node: object): string;
  /** Mounts a file system type (Emscripten's IDBFS) at `mountpoint`. */
  mount(type: object, options: object, mountpoint: string): void;
  /** IDBFS: true loads the mounts from IndexedDB, false saves every changed file to it. */
  syncfs(populate: boolean, callback: (error: unknown) => void): void;
}

export interface EdgeCartModule {
  ShopHandle: new () => ShopHandle;
  FS: EmscriptenFS;
  /** Emscripten's stock IDBFS (linked with -lidbfs.js), for storage 'idbfs'. */
  IDBFS: object;
  /** The WebAssembly memory, as bytes (replaced when the memory grows). */
  HEAP8?: Int8Array;
}

/** Creates one instance of the module (each shop gets its own heap and file system). */
export type ModuleLoader = () => Promise<EdgeCartModule>;

/** What one call to the handle answered. */
export interface RawResult {
  status: number;
  body: unknown;
  notifications: Array<Record<string, unknown>>;
  changes: Array<{ sk: string; version: number }>;
  lsn: number;
  /** Outcomes of pushed commands (reconciliation), for `sync` events. */
  outcomes?: Array<Record<string, unknown>>;
  /** The sync status, when one of its fields changed (`syncstatus` events). */
  syncStatus?: Record<string, unknown>;
  /** Answered from an Idempotency-Key record: nothing ran. */
  replayed?: boolean;
  /** Answered from the local archive of orders retention took out of the live state. */
  archived?: boolean;
}

/** Emscripten's hook for a module compiled elsewhere (the generated loader's `instantiateWasm`). */
export interface InstantiateSettings {
  instantiateWasm(imports: WebAssembly.Imports,
                  receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void): object;
}

/**
 * One instance of the module (a shop's own heap and file system) from `compiled`, a
 * `WebAssembly.Module` compiled once and shared by every shop of the page or process: `create` is
 * the generated loader's factory.
 *
 * The loader is created only once the module has compiled, so a fetch or compile that failed
 * rejects with its own error and leaves nothing behind. An instance that cannot be made (a loader
 * and a module of different builds) rejects with its error too, and ends the loader with its
 * `abort`: the factory's promise never hears of a failure of this path, and a loader left waiting
 * would, under -sASSERTIONS, keep the page or the process alive with its watcher.
 */
export async function instantiate<S extends object>(create: (settings: S & InstantiateSettings) => Promise<EdgeCartModule>,
                                                    settings: S, compiled: Promise<WebAssembly.Module>): Promise<EdgeCartModule> {
  const module = await compiled;
  let fail: (e: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => { fail = reject; });
  failed.catch(() => {});  // handled by the race below, even if create() throws before it
  const loader: S & InstantiateSettings & { abort?: (what: string) => void } = {
    ...settings,
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(module, imports).then((instance) => receive(instance, module)).catch((e: unknown) => {
        fail(e);
        try { loader.abort?.(String(e)); } catch { /* abort rejects the factory's promise, then throws */ }
      });
      return {};  // asynchronous: the loader waits for receive()
    },
  };
  return Promise.race([create(loader), failed]);
}
