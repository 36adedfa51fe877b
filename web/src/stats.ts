// What a shop's store reports about itself (`shop.stats()`): docs/storage-format.md.

import type { Durability } from './idbfiles.js';

/**
 * Where a database's files live. 'indexeddb': this package's layer (idbfiles.ts), which saves only
 * what changed, with the durability asked for. 'idbfs': Emscripten's stock IDBFS mount, which
 * saves every changed file whole on each `FS.syncfs` and commits with the browser's default
 * durability (docs/design.md §6 compares the two).
 */
export type DatabaseKind = 'indexeddb' | 'idbfs';

/** What the store in this tab holds and what opening it cost. */
export interface StoreStats {
  lastLsn: number;
  snapshotLsn: number;
  segmentFiles: number;
  logBytesSinceSnapshot: number;
  snapshotBytes: number;
  compactions: number;
  snapshotChunks: number;
  lastCompactionBytes: number;
  stateRows: number;
  recordsReplayed: number;
  tornBytesDropped: number;
  /** IndexedDB saves completed since the store was opened. */
  syncs: number;
  /** Bytes put into IndexedDB by those saves (the state and the archive). */
  savedBytes: number;
  /** Bytes of the module's WebAssembly memory (it grows with the state held, never shrinks). */
  heapBytes: number;
  /** Where the files live: 'indexeddb' or 'idbfs'; null in memory. */
  storage: DatabaseKind | null;
  /** How saves commit: 'strict' (flushed to disk) or 'relaxed' (IDBFS: always); null in memory. */
  durability: Durability | null;
  /**
   * Milliseconds spent opening: instantiating the module, loading from IndexedDB (what is left of
   * it once the module is there: the read runs while the module is instantiated), reading the log.
   */
  openMs: { module: number; load: number; open: number };
  /**
   * What pulls brought since the store was opened: rows, and milliseconds waiting for the
   * server's pages, applying them in the module (each page one local commit) and saving them
   * to IndexedDB (with waiting for the saves before them); null without a server.
   */
  pulled: { rows: number; fetchMs: number; applyMs: number; saveMs: number } | null;
  /**
   * Bytes of the store's files held in memory (the module's file system): the log written since
   * the last snapshot, the snapshot's manifest, and chunks not yet saved; 0 in memory storage.
   */
  fileBytesInMemory: number;
  /** Chunks of the snapshot still only in IndexedDB: loaded when a call first needs one. */
  chunksNotLoaded: number;
  /** Chunks loaded whose rows the core has not read yet (their bytes are in memory until it does). */
  chunksHeld: number;
  /** Loads of chunks from IndexedDB since the open, each one transaction (the open's own read aside). */
  chunkLoads: number;
  /**
   * Chunks the open loaded with the log (`ahead`): those whose ranges the last session's log
   * wrote to, where the first calls are likely to read. The open itself reads no chunk.
   */
  openChunks: { ahead: number };
}
