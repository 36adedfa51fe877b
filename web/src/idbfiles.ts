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
import { clean, quietly, watch } from './fswatch.js';
import {
  EVICTED, PIECES, S_IFMT, S_IFREG, completed, concat, describe, fileIn, joinPieces, openDatabase, readFiles,
  type StoredFiles,
} from './idbdatabase.js';
import type { EmscriptenFS } from './module.js';

export type { StoredFiles } from './idbdatabase.js';

/** How a save is committed: 'strict' waits for the data to reach the disk (IndexedDB durability). */
export type Durability = 'strict' | 'relaxed';

const LOAD_BATCH = 8;         // files loaded on demand per transaction when all are loaded

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
  /**
   * A file of the folder holding a JSON array of on-demand files the next open loads with the
   * rest (the chunks the log since the snapshot writes to, which the open's replay reads): read
   * in the open's transaction, so they come with the log, not after it. A wrong one costs only
   * time: a file it lists that is gone is skipped, one it misses is loaded when asked for.
   */
  hint?: string;
  durability?: Durability;
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
  /** Loads on demand since the open (statistics, tests). */
  loads = 0;
  /** On-demand files the open read with the rest, as the hint listed them. */
  loadedAhead = 0;
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
  static async read(name: string, dir: string, onDemand?: string, hint?: string): Promise<StoredFiles> {
    let db: IDBDatabase | null = null;
    try {
      db = await openDatabase(name, clean(dir));
      return { db, ...await readFiles(db, onDemand, hint) };
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
      const { db, files: contents, later, ahead } = await (stored ?? IdbFiles.read(name, dir, options.onDemand, options.hint));
      files.loadedAhead = ahead;
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

  /** Sealed files whose bytes are in memory: loaded, and not read by the core yet. */
  get sealedHeld(): number {
    const sealed = this.options.sealed;
    if (!sealed) return 0;
    let held = 0;
    for (const path of this.saved.keys()) {
      if (sealed(path) && this.FS.stat(`${this.dir}/${path}`).size > 0) held++;
    }
    return held;
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
      read = todo.map((path) => fileIn(tx, path));
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
    this.loads++;
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
