// The store's files in IndexedDB (docs/storage-format.md, "In the browser"). The core writes its
// log to Emscripten's in-memory file system; this layer keeps a copy of one directory in an
// IndexedDB database and saves only what changed.
//
// It knows what changed because it watches the file system calls the core makes (open, write,
// truncate, rename, unlink): the log only appends to its active segment and writes every other
// file once (temp file + rename), so a save after a commit puts one piece — the bytes appended
// since the last save — instead of rewriting the segment, and walks no file it did not touch.
//
// Layout: object store `pieces`, key [path, offset] → the file's bytes from `offset`; a file
// is its pieces in offset order, with no gap. Object store `evicted`, key [tenant, order code] →
// the last version of an order retention took out of the live state (never loaded at open). A rewritten or truncated file is saved whole again
// (its pieces replaced). Each save is one IndexedDB transaction, with the durability asked for
// ('strict' by default): all of it lands or none. Databases written by Emscripten's IDBFS
// (version 21, store FILE_DATA, one record per file) are migrated in the upgrade transaction:
// every file becomes one piece, in the same transaction that removes FILE_DATA, so a failed
// migration leaves the old database as it was.

import { EdgeCartError } from './errors.js';
import type { EmscriptenFS, FileStream } from './module.js';

/** How a save is committed: 'strict' waits for the data to reach the disk (IndexedDB durability). */
export type Durability = 'strict' | 'relaxed';

const VERSION = 22;          // Emscripten 3.1.6's IDBFS uses 21
const PIECES = 'pieces';
const EVICTED = 'evicted';
const IDBFS_STORE = 'FILE_DATA';
const LOAD_BATCH = 8;         // files loaded on demand per transaction when all are loaded
const O_ACCMODE = 3;
const O_RDONLY = 0;
const O_CREAT = 64;
const O_APPEND = 1024;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

function describe(error: unknown): string {
  if (error instanceof Error || (typeof DOMException !== 'undefined' && error instanceof DOMException)) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
  return String(error);
}

const clean = (path: string) => path.replace(/\/+/g, '/').replace(/\/\.(?=\/|$)/g, '').replace(/\/$/, '');

/** Opens (creating or migrating) database `name` for the files under `dir`. */
function openDatabase(name: string, dir: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    let req: IDBOpenDBRequest;
    let blocked = false;
    try {
      req = indexedDB.open(name, VERSION);
    } catch (e) {
      return reject(e);
    }
    req.onupgradeneeded = () => {
      const db = req.result;
      const tx = req.transaction!;
      const pieces = db.createObjectStore(PIECES);
      db.createObjectStore(EVICTED);
      if (!db.objectStoreNames.contains(IDBFS_STORE)) return;
      // IDBFS keys are full paths (`${dir}/seg-…`), values {timestamp, mode, contents}.
      const cursor = tx.objectStore(IDBFS_STORE).openCursor();
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (!c) {
          db.deleteObjectStore(IDBFS_STORE);
          return;
        }
        const key = String(c.key);
        const entry = c.value as { mode: number; contents?: Uint8Array };
        if (key.startsWith(`${dir}/`) && (entry.mode & S_IFMT) === S_IFREG) {
          pieces.put(new Uint8Array(entry.contents ?? new Uint8Array(0)), [key.slice(dir.length + 1), 0]);
        }
        c.continue();
      };
    };
    req.onsuccess = () => {
      if (blocked) req.result.close();  // the caller was already told; leave nothing open
      else resolve(req.result);
    };
    req.onerror = () => reject(req.error ?? new Error('IndexedDB open failed'));
    req.onblocked = () => {
      blocked = true;
      reject(new Error('IndexedDB upgrade blocked by another connection'));
    };
  });
}

// The file system calls of one module instance, each reported to the mount whose folder holds
// the path. Installed once per instance (each shop has its own module and file system).
interface Watcher {
  dir: string;
  changed(path: string, from: number): void;
  created(path: string): void;
  removed(path: string): void;
  /** A file opened for reading only was closed (the core read it). */
  read(path: string): void;
}
interface Watched extends EmscriptenFS {
  __edgecartWatchers?: Watcher[];
  __edgecartQuiet?: number;
}

function watch(fs: EmscriptenFS, watcher: Watcher): () => void {
  const FS = fs as Watched;
  if (!FS.__edgecartWatchers) {
    const watchers: Watcher[] = (FS.__edgecartWatchers = []);
    FS.__edgecartQuiet = 0;
    const owner = (path: string) => {
      if (FS.__edgecartQuiet) return null;
      const p = clean(path);
      const w = watchers.find((x) => p.startsWith(`${x.dir}/`));
      return w ? { w, rel: p.slice(w.dir.length + 1) } : null;
    };
    const { write, truncate, open, close, rename, unlink } = FS;
    FS.write = (stream: FileStream, buffer: ArrayBufferView, offset: number, length: number,
        position?: number, canOwn?: boolean) => {
      const o = owner(stream.path);
      if (o && length > 0) {
        // With O_APPEND the write lands at the end, wherever the stream's position is (the
        // original seeks there itself).
        const at = (stream.flags & O_APPEND) ? FS.stat(stream.path).size
            : typeof position === 'number' ? position : stream.position;
        o.w.changed(o.rel, at);
      }
      return write(stream, buffer, offset, length, position, canOwn);
    };
    // FS.ftruncate and an open with O_TRUNC both come here, with the node instead of a path.
    FS.truncate = (path: string | object, length: number) => {
      const result = truncate(path, length);
      const o = owner(typeof path === 'string' ? path : FS.getPath(path));
      if (o) o.w.changed(o.rel, length);
      return result;
    };
    FS.open = (path: string, flags: number | string, mode?: number) => {
      const stream = open(path, flags, mode);
      if (typeof flags === 'number' && (flags & O_CREAT)) {
        const o = owner(stream.path);
        if (o) o.w.created(o.rel);
      }
      return stream;
    };
    FS.close = (stream: FileStream) => {
      close(stream);
      if ((stream.flags & O_ACCMODE) === O_RDONLY) {
        const o = owner(stream.path);
        if (o) o.w.read(o.rel);
      }
    };
    FS.rename = (from: string, to: string) => {
      rename(from, to);
      const a = owner(from);
      const b = owner(to);
      if (a) a.w.removed(a.rel);
      if (b) {
        b.w.removed(b.rel);
        b.w.changed(b.rel, 0);
      }
    };
    FS.unlink = (path: string) => {
      unlink(path);
      const o = owner(path);
      if (o) o.w.removed(o.rel);
    };
  }
  FS.__edgecartWatchers!.push(watcher);
  return () => {
    const list = FS.__edgecartWatchers!;
    list.splice(list.indexOf(watcher), 1);
  };
}

/** Runs `fn` without reporting its file system calls (loading, dropping saved archive files). */
function quietly<T>(fs: EmscriptenFS, fn: () => T): T {
  const FS = fs as Watched;
  FS.__edgecartQuiet = (FS.__edgecartQuiet ?? 0) + 1;
  try {
    return fn();
  } finally {
    FS.__edgecartQuiet! -= 1;
  }
}

export interface IdbFilesOptions {
  /** Sealed files that are only ever added: never loaded, and dropped from memory once saved. */
  archive?: boolean;
  /**
   * Files the core writes once and reads at most once, keeping what it read (the snapshot's
   * chunks, each read when a read first needs a row of it): once the core has read one, or once
   * it is saved, its bytes are dropped from memory — each stays in the file system, empty, under
   * its name (so the core still finds it to remove it, which removes it here too), and whole in
   * IndexedDB, which is what the next open reads.
   */
  sealed?: (path: string) => boolean;
  /**
   * Path prefix of sealed files loaded on demand (the snapshot's chunks: 'chk-'). An open reads
   * only their names: each is an empty file until `load` puts its bytes there, which the store
   * asks for when a call first needs a row of it (FileStoreOptions::chunksOnDemand).
   */
  onDemand?: string;
  durability?: Durability;
}

/** A database's files as read at open: its connection, and each file's pieces in order. */
export interface StoredFiles {
  db: IDBDatabase;
  files: Array<[string, Uint8Array[]]>;
  /** The files whose bytes stay in IndexedDB until asked for (IdbFilesOptions.onDemand). */
  later: string[];
}

// The keys and values of a range of pieces, read in transaction `tx`.
function piecesOf(tx: IDBTransaction, range?: IDBKeyRange): () => [IDBValidKey[], Uint8Array[]] {
  const store = tx.objectStore(PIECES);
  const k = store.getAllKeys(range);
  const v = store.getAll(range);
  return () => [k.result, v.result as Uint8Array[]];
}

function completed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB read aborted'));
  });
}

// Pieces in key order (by path, then offset) joined into files; each file's pieces must join with
// no gap.
function joinPieces(keys: IDBValidKey[], values: Uint8Array[]): Array<[string, Uint8Array[]]> {
  const files: Array<[string, Uint8Array[]]> = [];
  let size = 0;
  for (let i = 0; i < keys.length; i++) {
    const [path, offset] = keys[i] as [string, number];
    const last = files[files.length - 1];
    if (!last || last[0] !== path) {
      files.push([path, []]);
      size = 0;
    }
    if (offset !== size) {
      throw new EdgeCartError(500, `Storage error: ${path} in IndexedDB has a gap at byte ${size} ` +
          '(a piece is missing); nothing was read from it');
    }
    files[files.length - 1][1].push(values[i]);
    size += values[i].byteLength;
  }
  return files;
}

// Every file of the database, by path: those under `onDemand` (a path prefix) by name only.
async function readFiles(db: IDBDatabase, onDemand?: string): Promise<Omit<StoredFiles, 'db'>> {
  const tx = db.transaction([PIECES], 'readonly');
  if (!onDemand) {
    const all = piecesOf(tx);
    await completed(tx);
    return { files: joinPieces(...all()), later: [] };
  }
  const from: [string, number] = [onDemand, 0];
  const to: [string, number] = [`${onDemand}\uffff`, 0];
  const before = piecesOf(tx, IDBKeyRange.upperBound(from, true));
  const after = piecesOf(tx, IDBKeyRange.lowerBound(to));
  const names = tx.objectStore(PIECES).getAllKeys(IDBKeyRange.bound(from, to, false, true));
  await completed(tx);
  const [k1, v1] = before();
  const [k2, v2] = after();
  const later = new Set((names.result as Array<[string, number]>).map(([path]) => path));
  return { files: joinPieces([...k1, ...k2], [...v1, ...v2]), later: [...later] };
}

/** One directory of the module's file system, kept in one IndexedDB database. */
export class IdbFiles {
  /** Bytes put into IndexedDB by saves (statistics, tests). */
  bytesSaved = 0;
  /** Saves that wrote something. */
  saves = 0;
  private db: IDBDatabase | null = null;
  private readonly saved = new Map<string, number>();   // path → bytes of it in IndexedDB
  private dirty = new Map<string, number>();            // path → lowest offset changed since
  private gone = new Set<string>();                     // paths whose pieces must go
  private readonly unloaded = new Set<string>();        // on demand, still only in IndexedDB
  private staged: Array<[IDBValidKey, unknown]> = [];    // evicted records for the next save
  private unsaved = new Map<string, unknown>();          // staged or being saved, by key
  private readonly unwatch: () => void;

  private constructor(private readonly FS: EmscriptenFS, private readonly name: string,
                      private readonly dir: string, private readonly options: IdbFilesOptions) {
    this.unwatch = watch(FS, {
      dir,
      changed: (path, from) => this.dirty.set(path, Math.min(from, this.dirty.get(path) ?? Infinity)),
      created: (path) => {
        if (!this.saved.has(path) && !this.dirty.has(path)) this.dirty.set(path, 0);
      },
      removed: (path) => {
        this.unloaded.delete(path);
        this.dirty.delete(path);
        this.gone.add(path);
        this.saved.delete(path);
      },
      // The core reads a chunk when it first needs a row of it, and keeps what it read.
      read: (path) => this.release([path]),
    });
  }

  /**
   * Reads the files of database `name` (its directory `dir`) without a module: what `open` then
   * writes into the file system. Started before the module is instantiated, the read overlaps
   * it. Failures are EdgeCartError 500.
   */
  static async read(name: string, dir: string, onDemand?: string): Promise<StoredFiles> {
    let db: IDBDatabase | null = null;
    try {
      db = await openDatabase(name, clean(dir));
      return { db, ...await readFiles(db, onDemand) };
    } catch (e) {
      db?.close();
      if (e instanceof EdgeCartError) throw e;
      throw new EdgeCartError(500, `Could not load the store from IndexedDB: ${describe(e)}`);
    }
  }

  /**
   * Mounts database `name` on `dir` (an existing, empty folder). Unless it is the archive, every
   * file is loaded before this resolves (`stored`: what `read` already read). Load failures are
   * EdgeCartError 500, nothing is changed.
   */
  static async open(FS: EmscriptenFS, name: string, dir: string, options: IdbFilesOptions = {},
                    stored?: Promise<StoredFiles>): Promise<IdbFiles> {
    const files = new IdbFiles(FS, name, clean(dir), options);
    if (options.archive) return files;  // its database is opened by the first save
    try {
      const { db, files: contents, later } = await (stored ?? IdbFiles.read(name, dir, options.onDemand));
      files.adopt(db);
      files.write(contents);
      files.placeholders(later);
    } catch (e) {
      files.close();
      if (e instanceof EdgeCartError) throw e;
      throw new EdgeCartError(500, `Could not load the store from IndexedDB: ${describe(e)}`);
    }
    return files;
  }

  private async database(): Promise<IDBDatabase> {
    if (this.db) return this.db;
    return this.adopt(await openDatabase(this.name, this.dir));
  }

  private adopt(db: IDBDatabase): IDBDatabase {
    // Closed by the browser (site data cleared), or another connection (a newer build) wants to
    // upgrade: let it go; the next call opens it again.
    const forget = () => {
      if (this.db === db) this.db = null;
    };
    db.onclose = forget;
    db.onversionchange = () => {
      db.close();
      forget();
    };
    this.db = db;
    return db;
  }

  // Writes the files read from IndexedDB into the directory.
  private write(files: Array<[string, Uint8Array[]]>): void {
    quietly(this.FS, () => {
      for (const [path, pieces] of files) {
        const bytes = pieces.length === 1 ? pieces[0] : concat(pieces);
        const parts = path.split('/');
        for (let i = 1; i < parts.length; i++) {
          const sub = `${this.dir}/${parts.slice(0, i).join('/')}`;
          if (!this.FS.analyzePath(sub).exists) this.FS.mkdir(sub);
        }
        this.FS.writeFile(`${this.dir}/${path}`, bytes);
        this.saved.set(path, bytes.byteLength);
      }
    });
  }

  // An empty file for each file loaded on demand, so that the core finds it (and can remove it,
  // which removes it here too). Its size in IndexedDB is learnt when it is loaded.
  private placeholders(paths: string[]): void {
    quietly(this.FS, () => {
      for (const path of paths) {
        this.FS.writeFile(`${this.dir}/${path}`, new Uint8Array(0));
        this.saved.set(path, 0);
        this.unloaded.add(path);
      }
    });
  }

  /** Files loaded on demand whose bytes are still only in IndexedDB. */
  get notLoaded(): number {
    return this.unloaded.size;
  }

  /**
   * Puts the bytes of the files of `paths` still not loaded (IdbFilesOptions.onDemand) into the
   * file system, from IndexedDB, in one transaction. A file removed meanwhile (a compaction
   * replaced it) is skipped. EdgeCartError 500 if one is not in IndexedDB whole: the others are
   * loaded all the same.
   */
  async load(paths: Iterable<string>): Promise<void> {
    const todo = [...new Set(paths)].filter((path) => this.unloaded.has(path));
    if (todo.length === 0) return;
    let read: Array<() => [IDBValidKey[], Uint8Array[]]>;
    try {
      const tx = (await this.database()).transaction([PIECES], 'readonly');
      read = todo.map((path) => piecesOf(tx, IDBKeyRange.bound([path, 0], [path, Infinity])));
      await completed(tx);
    } catch (e) {
      if ((e as { name?: string })?.name === 'InvalidStateError') this.db = null;  // the connection is gone
      throw new EdgeCartError(500, `Could not load from IndexedDB: ${describe(e)}`);
    }
    const missing: string[] = [];
    let damage: unknown = null;
    quietly(this.FS, () => {
      todo.forEach((path, i) => {
        if (!this.unloaded.has(path)) return;
        try {
          const [file] = joinPieces(...read[i]());
          if (!file) {
            missing.push(path);
            return;
          }
          const bytes = file[1].length === 1 ? file[1][0] : concat(file[1]);
          this.FS.writeFile(`${this.dir}/${path}`, bytes);
          this.unloaded.delete(path);
          this.saved.set(path, bytes.byteLength);
        } catch (e) {
          damage ??= e;
        }
      });
    });
    if (damage) throw damage;
    if (missing.length) {
      throw new EdgeCartError(500, `Storage error: ${missing.join(', ')} is not in IndexedDB any more; ` +
          'the reads that need it fail (the rest of the store works)');
    }
  }

  /**
   * Loads every file still not loaded (see `load`), a few to a transaction, one after another: a
   * call's own load then waits for one of them, not for all.
   */
  async loadAll(): Promise<void> {
    const paths = [...this.unloaded];
    for (let i = 0; i < paths.length; i += LOAD_BATCH) await this.load(paths.slice(i, i + LOAD_BATCH));
  }

  /** True if something changed since the last save. */
  get pending(): boolean {
    return this.dirty.size > 0 || this.gone.size > 0 || this.staged.length > 0;
  }

  /** Puts `value` under `key` in the evicted store with the next save (in its transaction). */
  stage(key: IDBValidKey, value: unknown): void {
    this.staged.push([key, value]);
    this.unsaved.set(JSON.stringify(key), value);
  }

  /** A record of the evicted store, or undefined. Failures are EdgeCartError 500. */
  async evicted(key: IDBValidKey): Promise<unknown> {
    // Staged or in a save still running: the live state no longer has it, IndexedDB not yet.
    const pending = this.unsaved.get(JSON.stringify(key));
    if (pending !== undefined) return pending;
    try {
      const db = await this.database();
      return await new Promise((resolve, reject) => {
        const r = db.transaction([EVICTED], 'readonly').objectStore(EVICTED).get(key);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
    } catch (e) {
      throw new EdgeCartError(500, `Could not read the archive in IndexedDB: ${describe(e)}`);
    }
  }

  /**
   * Saves what changed since the last save in one IndexedDB transaction; resolves once it has
   * committed. Nothing may write to the folder while a save runs (the write queue sees to it).
   * On failure nothing of it is in IndexedDB and the next save tries it again (EdgeCartError 507).
   */
  async save(): Promise<void> {
    if (!this.pending) return;
    const dirty = this.dirty;
    const gone = this.gone;
    const staged = this.staged;
    this.dirty = new Map();
    this.gone = new Set();
    this.staged = [];
    const written: Array<[string, number]> = [];
    try {
      const db = await this.database();
      let bytes = 0;
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction([PIECES, EVICTED], 'readwrite', { durability: this.options.durability ?? 'strict' });
        tx.oncomplete = () => resolve();
        tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
        try {
          const store = tx.objectStore(PIECES);
          for (const path of gone) {
            if (!dirty.has(path)) store.delete(IDBKeyRange.bound([path, 0], [path, Infinity]));
          }
          for (const [path, from] of dirty) {
            const size = this.FS.stat(`${this.dir}/${path}`).size;
            const had = gone.has(path) ? undefined : this.saved.get(path);
            if (had !== undefined && from >= had) {
              // Appended to: only the new bytes.
              if (size > had) {
                store.put(this.read(path, had, size), [path, had]);
                bytes += size - had;
              }
            } else {
              // New, rewritten or cut short: the whole file again.
              store.delete(IDBKeyRange.bound([path, 0], [path, Infinity]));
              store.put(this.read(path, 0, size), [path, 0]);
              bytes += size;
            }
            written.push([path, size]);
          }
          const evicted = tx.objectStore(EVICTED);
          for (const [key, value] of staged) evicted.put(value, key);
        } catch (e) {
          try {
            tx.abort();
          } catch {
            // already finished
          }
          reject(e);
        }
      });
      for (const [path, size] of written) this.saved.set(path, size);
      for (const [key, value] of staged) {
        const k = JSON.stringify(key);
        if (this.unsaved.get(k) === value) this.unsaved.delete(k);
      }
      this.bytesSaved += bytes;
      this.saves++;
      this.release(written.map(([path]) => path));
      if (this.options.archive) {
        // Saved for good: the archive is never read back in this session.
        quietly(this.FS, () => {
          for (const [path] of written) {
            this.FS.unlink(`${this.dir}/${path}`);
            this.saved.delete(path);
          }
        });
      }
    } catch (e) {
      if ((e as { name?: string })?.name === 'InvalidStateError') this.db = null;  // the connection is gone
      // Nothing of this save is in IndexedDB: the next one covers it again.
      for (const [path, from] of dirty) this.dirty.set(path, Math.min(from, this.dirty.get(path) ?? Infinity));
      for (const path of gone) this.gone.add(path);
      this.staged = [...staged, ...this.staged];
      throw new EdgeCartError(507, `Could not save to IndexedDB: ${describe(e)}`);
    }
  }

  /** Drops from memory the sealed files of `paths` (all loaded ones by default): see `sealed`. */
  release(paths: Iterable<string> = this.saved.keys()): void {
    const sealed = this.options.sealed;
    if (!sealed) return;
    quietly(this.FS, () => {
      for (const path of paths) {
        if (sealed(path) && this.saved.has(path)) this.FS.truncate(`${this.dir}/${path}`, 0);
      }
    });
  }

  /** Bytes of this folder's files the module's file system holds in memory now. */
  memoryBytes(): number {
    let bytes = 0;
    const walk = (dir: string) => {
      for (const name of this.FS.readdir(dir)) {
        if (name === '.' || name === '..') continue;
        const stat = this.FS.stat(`${dir}/${name}`);
        if ((stat.mode & S_IFMT) === S_IFREG) bytes += stat.size;
        else walk(`${dir}/${name}`);
      }
    };
    walk(this.dir);
    return bytes;
  }

  private read(path: string, from: number, to: number): Uint8Array {
    const out = new Uint8Array(to - from);
    quietly(this.FS, () => {  // a save's read, not the core's
      const stream = this.FS.open(`${this.dir}/${path}`, 'r');
      try {
        this.FS.read(stream, out, 0, out.length, from);
      } finally {
        this.FS.close(stream);
      }
    });
    return out;
  }

  /** Stops watching the folder and closes the database (after the last save). */
  close(): void {
    this.unwatch();
    this.db?.close();
    this.db = null;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
