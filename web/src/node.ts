// The package entry for Node: loads the module's bytes from disk (the generated loader's own
// fetch() of a file path fails on Node 18/20).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

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

type Factory = (settings: InstantiateSettings) => Promise<EdgeCartModule>;

// The .wasm is read and compiled once for the process and shared by its shops (each gets its own
// instance); a failure is forgotten, so the next open retries.
let compiled: Promise<WebAssembly.Module> | null = null;

async function loadModule(): Promise<EdgeCartModule> {
  const factory = createRequire(import.meta.url)('./edgecart.cjs') as Factory;
  if (!compiled) {
    compiled = readFile(new URL('./edgecart.wasm', import.meta.url)).then((bytes) => WebAssembly.compile(bytes));
    compiled.catch(() => { compiled = null; });
  }
  return instantiate(factory, {}, compiled);
}

/** Opens a shop; in Node, storage "indexeddb" needs `import 'fake-indexeddb/auto'` first. */
export function openShop(options: ShopOptions): Promise<Shop> {
  return openShopWith(loadModule, options);
}
