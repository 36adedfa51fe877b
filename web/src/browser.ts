// The package entry for browsers and other web hosts: the module and its .wasm are fetched next
// to this file.
import { instantiate, type EdgeCartModule, type InstantiateSettings } from './module.js';
import { openShopWith } from './open.js';
import type { Shop } from './shop.js';
import type { ShopOptions } from './types.js';

export { EdgeCartError } from './errors.js';
export { DEFAULT_CODES, ERROR_CODES, ORDER_STATUSES, REASON_PHRASES, ROLES, ROUTES, TRANSITIONS } from './rules.js';
export { Shop, ShopEvent } from './shop.js';
export type { ShopEventMap } from './shop.js';
export type * from './types.js';
export type { StoreStats } from './local.js';

type Factory = (settings: { locateFile(path: string): string } & InstantiateSettings) => Promise<EdgeCartModule>;

let factory: Promise<Factory> | null = null;
let compiled: Promise<WebAssembly.Module> | null = null;

// The generated loader and the compiled .wasm, each fetched once for the page and shared by its
// shops. Both start when a shop opens, beside each other, the election of the tab that writes
// and the read of the store's files from IndexedDB: the loader's own path would fetch the .wasm
// only after importing and running the loader. A failure is forgotten, so the next open retries.
function warm(): void {
  if (!factory) {
    factory = import(/* @vite-ignore */ new URL('./edgecart.mjs', import.meta.url).href)
      .then((m: { default: Factory }) => m.default);
    factory.catch(() => { factory = null; });
  }
  if (!compiled) {
    const url = new URL('./edgecart.wasm', import.meta.url).href;
    // Streaming needs the server to say application/wasm; without it, the bytes are compiled whole.
    compiled = WebAssembly.compileStreaming(fetch(url, { credentials: 'same-origin' }))
      .catch(async () => {
        const response = await fetch(url, { credentials: 'same-origin' });
        if (!response.ok) throw new Error(`edgecart: ${url} answered ${response.status}`);
        return WebAssembly.compile(await response.arrayBuffer());
      });
    compiled.catch(() => { compiled = null; });
  }
}

async function loadModule(): Promise<EdgeCartModule> {
  warm();
  const wasm = compiled!;
  return instantiate(await factory!, { locateFile: (path: string) => new URL(path, import.meta.url).href }, wasm);
}

/** Opens a shop whose state lives in IndexedDB (default) or in memory. */
export function openShop(options: ShopOptions): Promise<Shop> {
  warm();
  return openShopWith(loadModule, options);
}
