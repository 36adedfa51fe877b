// Durable acknowledgement over IDBFS (SPEC §6). IDBFS keeps the mount in memory and copies
// changed files to IndexedDB on FS.syncfs(false). Emscripten does not serialise syncfs calls, so
// this queue does: at most one sync runs, and every write that arrives while it runs is covered
// by the next one (group commit). A write's promise resolves only after a sync that started
// after the write completed.

import { EdgeCartError } from './errors.js';
import type { EmscriptenFS } from './module.js';

/** FS.syncfs as a promise; IndexedDB failures become EdgeCartError 507. */
export function syncfs(FS: EmscriptenFS, populate: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    FS.syncfs(populate, (error: unknown) => {
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

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class SyncQueue {
  private running = false;
  private waiting: Waiter[] = [];
  /** Syncs completed (for tests and diagnostics). */
  syncs = 0;

  constructor(private readonly FS: EmscriptenFS) {}

  /** Resolves once everything written before this call is in IndexedDB. */
  flush(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.running || this.waiting.length === 0) return;
    const covered = this.waiting;
    this.waiting = [];
    this.running = true;
    syncfs(this.FS, false).then(
      () => {
        this.syncs++;
        for (const w of covered) w.resolve();
      },
      (error) => {
        for (const w of covered) w.reject(error);
      },
    ).finally(() => {
      this.running = false;
      this.kick();
    });
  }
}
