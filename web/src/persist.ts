// Durable acknowledgement (docs/design.md §6): the group commit of the writes of one store. A
// save (idbfiles.ts) copies what changed to IndexedDB; saves must not overlap and must not see
// files change while they run, so this queue runs them one at a time: every write that arrives
// while a save runs is covered by the next one. A write's promise resolves only after a save
// that started after the write completed.

import { EdgeCartError } from './errors.js';

interface Pending {
  work: () => boolean;  // runs one call; true if it wrote to the store
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Group commit. A save must not see its files change while it runs (a file deleted by a
 * compaction while it is being copied fails the save, or worse, leaves the writes it held
 * unsaved), so writes never run during a save: they wait, run together when it ends, and
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
