// The IndexedDB side of `IdbFiles` (idbfiles.ts): opening (and migrating) a database, and
// reading its pieces back into files. Layout: object store `pieces`, key [path, offset] → the
// file's bytes from `offset`, a file being its pieces in offset order with no gap; object store
// `evicted`, key [tenant, order code] → an order retention took out of the live state.

import { EdgeCartError } from './errors.js';

const VERSION = 22;          // Emscripten 3.1.6's IDBFS uses 21
export const PIECES = 'pieces';
export const EVICTED = 'evicted';
const IDBFS_STORE = 'FILE_DATA';
export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;

export function describe(error: unknown): string {
  if (error instanceof Error || (typeof DOMException !== 'undefined' && error instanceof DOMException)) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
  return String(error);
}

/** Opens (creating or migrating) database `name` for the files under `dir`. */
export function openDatabase(name: string, dir: string): Promise<IDBDatabase> {
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

/** A database's files as read at open: its connection, and each file's pieces in order. */
export interface StoredFiles {
  db: IDBDatabase;
  files: Array<[string, Uint8Array[]]>;
  /** The files whose bytes stay in IndexedDB until asked for (IdbFilesOptions.onDemand). */
  later: string[];
  /** Of the on-demand files, those read with the rest because the hint listed them. */
  ahead: number;
}

// The keys and values of a range of pieces, read in transaction `tx`.
export function piecesOf(tx: IDBTransaction, range?: IDBKeyRange): () => [IDBValidKey[], Uint8Array[]] {
  const store = tx.objectStore(PIECES);
  const k = store.getAllKeys(range);
  const v = store.getAll(range);
  return () => [k.result, v.result as Uint8Array[]];
}

export function completed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB read aborted'));
  });
}

// Pieces in key order (by path, then offset) joined into files; each file's pieces must join with
// no gap.
export function joinPieces(keys: IDBValidKey[], values: Uint8Array[]): Array<[string, Uint8Array[]]> {
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

// The pieces of file `path`, read in transaction `tx`.
export const fileIn = (tx: IDBTransaction, path: string) => piecesOf(tx, IDBKeyRange.bound([path, 0], [path, Infinity]));

// Every file of the database, by path: those under `onDemand` (a path prefix) by name only, but
// for those the `hint` file lists.
export async function readFiles(db: IDBDatabase, onDemand?: string, hint?: string): Promise<Omit<StoredFiles, 'db'>> {
  const tx = db.transaction([PIECES], 'readonly');
  if (!onDemand) {
    const all = piecesOf(tx);
    await completed(tx);
    return { files: joinPieces(...all()), later: [], ahead: 0 };
  }
  const from: [string, number] = [onDemand, 0];
  const to: [string, number] = [`${onDemand}\uffff`, 0];
  const before = piecesOf(tx, IDBKeyRange.upperBound(from, true));
  const after = piecesOf(tx, IDBKeyRange.lowerBound(to));
  const names = tx.objectStore(PIECES).getAllKeys(IDBKeyRange.bound(from, to, false, true));
  const hinted: Array<() => [IDBValidKey[], Uint8Array[]]> = [];
  if (hint) {
    const listed = tx.objectStore(PIECES).get([hint, 0]);  // written whole: one piece
    listed.onsuccess = () => {
      let paths: unknown = [];
      try {
        paths = JSON.parse(new TextDecoder().decode(listed.result as Uint8Array));
      } catch {
        // none, or not a list: load nothing ahead
      }
      if (!Array.isArray(paths)) return;
      for (const path of paths) {
        if (typeof path === 'string' && path.startsWith(onDemand)) hinted.push(fileIn(tx, path));
      }
    };
  }
  await completed(tx);
  const [k1, v1] = before();
  const [k2, v2] = after();
  const ahead = hinted.map((read) => joinPieces(...read())[0]).filter((file) => file !== undefined);
  const loaded = new Set(ahead.map(([path]) => path));
  const later = new Set((names.result as Array<[string, number]>).map(([path]) => path).filter((p) => !loaded.has(p)));
  return { files: [...joinPieces([...k1, ...k2], [...v1, ...v2]), ...ahead], later: [...later], ahead: ahead.length };
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
