// Durable acknowledgement over IDBFS (docs/design.md §6). IDBFS keeps the mount in memory and copies
// changed files to IndexedDB on FS.syncfs(false). Emscripten does not serialise syncfs calls, so
// this queue does: at most one sync runs, and every write that arrives while it runs is covered
// by the next one (group commit). A write's promise resolves only after a sync that started
// after the write completed.

import { EdgeCartError } from './errors.js';
import type { IdbfsMount } from './module.js';

/** IDBFS.syncfs of one mount as a promise; IndexedDB failures become EdgeCartError 507. */
export function syncMount(IDBFS: unknown, mount: IdbfsMount, populate: boolean): Promise<void> {
  const idbfs = IDBFS as { syncfs(m: IdbfsMount, populate: boolean, cb: (e: unknown) => void): void };
  return new Promise((resolve, reject) => {
    idbfs.syncfs(mount, populate, (error: unknown) => {
      if (error) {
        reject(new EdgeCartError(populate ? 500 : 507,
            (populate ? 'Could not load the store from IndexedDB: '
                      : 'Could not save to IndexedDB: ') + describe(error)));
      } else {
        resolve();
      }
    });
  });
}

function describe(error: unknown): string {
  if (error instanceof Error || (typeof DOMException !== 'undefined' && error instanceof DOMException)) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
  if (error && typeof error === 'object' && 'errno' in error) return `errno ${String((error as { errno: unknown }).errno)}`;
  return String(error);
}

interface Pending {
  work: () => boolean;  // runs one call; true if it wrote to the store
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Group commit. IDBFS must not see its files change while a sync runs (a file deleted by a
 * compaction between its listing and its reading fails the sync, or worse, leaves the writes it
 * held unsaved), so writes never run during a sync: they wait, run together when it ends, and
 * are saved by one sync. A write's promise resolves after that sync, or rejects with its error.
 */
export class WriteQueue {
  private syncing = false;
  private closed = false;
  private pending: Pending[] = [];
  private idleWaiters: Array<() => void> = [];
  /** Syncs completed (for tests and diagnostics). */
  syncs = 0;

  /** `save` persists everything written so far (one IndexedDB sync); never called concurrently. */
  constructor(private readonly save: () => Promise<void>) {}

  /** Runs `work` (synchronous) when no sync is running; resolves once what it wrote is saved. */
  submit(work: () => boolean): Promise<void> {
    if (this.closed) return Promise.reject(new EdgeCartError(503, 'The shop is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ work, resolve, reject });
      this.kick();
    });
  }

  /** Resolves when nothing is pending or being saved. */
  idle(): Promise<void> {
    if (!this.syncing && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Refuses new work (503), then resolves once the work already submitted is saved and no save
   * runs. After it, nothing of this queue touches the store again: the caller may unmount it.
   * (Without it, work submitted between idle() and the unmount started a save that found the
   * mount gone and deleted every file of the store from IndexedDB.)
   */
  async close(): Promise<void> {
    this.closed = true;
    while (this.syncing || this.pending.length > 0) await this.idle();
  }

  private kick(): void {
    if (this.syncing) return;
    if (this.pending.length === 0) {
      for (const w of this.idleWaiters.splice(0)) w();
      return;
    }
    const batch = this.pending.splice(0);
    const wrote: Pending[] = [];
    for (const p of batch) {
      let changed: boolean;
      try {
        changed = p.work();
      } catch (e) {
        p.reject(e);
        continue;
      }
      if (changed) wrote.push(p);
      else p.resolve();
    }
    if (wrote.length === 0) {
      this.kick();
      return;
    }
    this.syncing = true;
    this.save().then(
      () => {
        this.syncs++;
        for (const p of wrote) p.resolve();
      },
      (error) => {
        for (const p of wrote) p.reject(error);
      },
    ).finally(() => {
      this.syncing = false;
      this.kick();
    });
  }
}
