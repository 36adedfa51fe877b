// Fixes for Emscripten 3.1.6's IDBFS (Debian's emscripten package), applied to each module
// instance before the first mount. In 3.1.6 every IndexedDB error handler calls
// `callback(this.error)` inside an arrow function, where `this` is not the request: the error is
// lost, and `preventDefault()` then lets the transaction commit what succeeded. A transaction
// aborted at commit time (QuotaExceededError) fires only `abort`, which 3.1.6 does not handle,
// so `syncfs` never calls back. Here errors are read from the request / transaction, nothing
// is prevented (a failed sync aborts its whole transaction: all files of a sync or none), and an
// abort ends the sync with its error. Everything else is 3.1.6's logic, unchanged.

import type { EmscriptenFS } from './module.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Callback = (error: unknown, value?: any) => void;

function failure(source: { error?: unknown } | null | undefined, what: string): unknown {
  return source?.error ?? new Error(`IndexedDB ${what} failed`);
}

export function hardenIdbfs(IDBFS: any, FS: EmscriptenFS): void {
  if (IDBFS.__edgecartHardened) return;
  IDBFS.__edgecartHardened = true;

  // What is in IndexedDB, per mount, as of the last successful sync. This tab is the only writer
  // of its databases (tabs.ts), so after a sync IndexedDB holds exactly what was synced: the next
  // sync compares against this instead of walking every key with a cursor (one IndexedDB round
  // trip per file, which made each save grow with the store). Any failure forgets it.
  const known = new WeakMap<object, any>();
  const syncfs = IDBFS.syncfs;
  const remoteSet = (mount: any, callback: Callback) => {
    const cached = known.get(mount);
    if (cached) return callback(null, { ...cached, entries: { ...cached.entries } });
    IDBFS.getRemoteSet(mount, callback);
  };

  IDBFS.syncfs = (mount: any, populate: boolean, callback: Callback) => {
    const archive = !!mount.opts?.edgecartArchive;
    // A mount with opts.edgecartArchive holds sealed files that are only ever added: it is never
    // loaded (populate does nothing), a save never deletes from IndexedDB what is not here, and
    // once saved the local copies are dropped (they are not needed again in this session).
    if (archive && populate) return callback(null);
    if (!archive && !known.has(mount) && populate) {
      return syncfs(mount, true, (err: unknown) => {
        if (err) return callback(err);
        IDBFS.getRemoteSet(mount, (err2: unknown, remote: any) => {
          if (!err2) known.set(mount, remote);
          callback(null);
        });
      });
    }
    IDBFS.getLocalSet(mount, (err: unknown, local: any) => {
      if (err) return callback(err);
      const files = archive ? Object.keys(local.entries).filter((p) => (FS.stat(p).mode & 0o170000) !== 0o040000) : [];
      if (archive && files.length === 0) return callback(null);
      remoteSet(mount, (err2: unknown, remote: any) => {
        if (err2) return callback(err2);
        const target = archive
          ? { ...remote, entries: Object.fromEntries(Object.entries(remote.entries).filter(([k]) => local.entries[k])) }
          : remote;
        const [src, dst] = populate ? [target, local] : [local, target];
        IDBFS.reconcile(src, dst, (err3: unknown) => {
          if (err3) {
            known.delete(mount);
            return callback(err3);
          }
          // IndexedDB now holds what was saved (and, for the archive, what it held before).
          const saved = populate ? remote.entries : { ...(archive ? remote.entries : {}), ...local.entries };
          known.set(mount, { type: 'remote', db: remote.db, entries: saved });
          if (archive) for (const path of files) FS.unlink(path);
          callback(null);
        });
      });
    });
  };

  // One request on the file store: its result on success, its own error on failure.
  const request = (make: () => IDBRequest, what: string, callback: Callback) => {
    let req: IDBRequest;
    try {
      req = make();
    } catch (e) {
      return callback(e);
    }
    req.onsuccess = () => callback(null, req.result);
    req.onerror = () => callback(failure(req, what));
  };
  IDBFS.loadRemoteEntry = (store: IDBObjectStore, path: string, callback: Callback) =>
    request(() => store.get(path), 'read', callback);
  IDBFS.storeRemoteEntry = (store: IDBObjectStore, path: string, entry: unknown, callback: Callback) =>
    request(() => store.put(entry, path), 'write', (e) => callback(e));
  IDBFS.removeRemoteEntry = (store: IDBObjectStore, path: string, callback: Callback) =>
    request(() => store.delete(path), 'delete', (e) => callback(e));

  IDBFS.getRemoteSet = (mount: { mountpoint: string }, callback: Callback) => {
    IDBFS.getDB(mount.mountpoint, (err: unknown, db: IDBDatabase) => {
      if (err) return callback(err);
      if (!db) return callback(new Error('IndexedDB could not be opened'));
      const entries: Record<string, { timestamp: unknown }> = {};
      let settled = false;
      const finish = (error: unknown, value?: unknown) => {
        if (settled) return;
        settled = true;
        callback(error, value);
      };
      try {
        const transaction = db.transaction([IDBFS.DB_STORE_NAME], 'readonly');
        transaction.onerror = () => finish(failure(transaction, 'read'));
        transaction.onabort = () => finish(failure(transaction, 'read'));
        const index = transaction.objectStore(IDBFS.DB_STORE_NAME).index('timestamp');
        const cursorRequest = index.openKeyCursor();
        cursorRequest.onsuccess = () => {
          const cursor = cursorRequest.result;
          if (!cursor) return finish(null, { type: 'remote', db, entries });
          entries[cursor.primaryKey as string] = { timestamp: cursor.key };
          cursor.continue();
        };
      } catch (e) {
        finish(e);
      }
    });
  };

  IDBFS.reconcile = (src: any, dst: any, callback: Callback) => {
    const create: string[] = [];
    for (const key of Object.keys(src.entries)) {
      const e2 = dst.entries[key];
      if (!e2 || src.entries[key].timestamp.getTime() !== e2.timestamp.getTime()) create.push(key);
    }
    const remove = Object.keys(dst.entries).filter((key) => !src.entries[key]);
    if (create.length + remove.length === 0) return callback(null);

    let settled = false;
    const finish = (error: unknown) => {
      if (settled) return;
      settled = true;
      callback(error);
    };
    let transaction: IDBTransaction;
    try {
      const db: IDBDatabase = src.type === 'remote' ? src.db : dst.db;
      transaction = db.transaction([IDBFS.DB_STORE_NAME], 'readwrite');
    } catch (e) {
      return callback(e);
    }
    const store = transaction.objectStore(IDBFS.DB_STORE_NAME);
    // An error anywhere aborts the transaction, so a sync commits all its files or none.
    const done = (error: unknown) => {
      if (!error || settled) return;
      finish(error);
      try {
        transaction.abort();
      } catch {
        // already finished
      }
    };
    transaction.onerror = () => finish(failure(transaction, 'transaction'));
    transaction.onabort = () => finish(failure(transaction, 'transaction (aborted)'));
    transaction.oncomplete = () => finish(null);

    // Directories before the files inside them.
    for (const path of create.sort()) {
      if (dst.type === 'local') {
        IDBFS.loadRemoteEntry(store, path, (err: unknown, entry: unknown) => {
          if (err) return done(err);
          IDBFS.storeLocalEntry(path, entry, done);
        });
      } else {
        IDBFS.loadLocalEntry(path, (err: unknown, entry: unknown) => {
          if (err) return done(err);
          IDBFS.storeRemoteEntry(store, path, entry, done);
        });
      }
    }
    // Files before their parent directories.
    for (const path of remove.sort().reverse()) {
      if (dst.type === 'local') IDBFS.removeLocalEntry(path, done);
      else IDBFS.removeRemoteEntry(store, path, done);
    }
  };
}
