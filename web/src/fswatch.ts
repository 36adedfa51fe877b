// The file system calls of a module instance, watched: what `IdbFiles` (idbfiles.ts) learns
// changed in its folder, without walking it. The core only appends to its active segment and
// writes every other file once (temp file + rename), so knowing the calls is knowing the changes.

import type { EmscriptenFS, FileStream } from './module.js';

const O_ACCMODE = 3;
const O_RDONLY = 0;
const O_CREAT = 64;
const O_APPEND = 1024;

/** A path without repeated or trailing slashes and `/.` parts. */
export const clean = (path: string) => path.replace(/\/+/g, '/').replace(/\/\.(?=\/|$)/g, '').replace(/\/$/, '');

// The file system calls of one module instance, each reported to the mount whose folder holds
// the path. Installed once per instance (each shop has its own module and file system).
export interface Watcher {
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

export function watch(fs: EmscriptenFS, watcher: Watcher): () => void {
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
export function quietly<T>(fs: EmscriptenFS, fn: () => T): T {
  const FS = fs as Watched;
  FS.__edgecartQuiet = (FS.__edgecartQuiet ?? 0) + 1;
  try {
    return fn();
  } finally {
    FS.__edgecartQuiet! -= 1;
  }
}
