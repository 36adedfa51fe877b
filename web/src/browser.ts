// The package entry for browsers and other web hosts: the module and its .wasm are fetched next
// to this file.
import type { EdgeCartModule } from './module.js';
import { openShopWith, type Shop } from './shop.js';
import type { ShopOptions } from './types.js';

export { EdgeCartError } from './errors.js';
export { DEFAULT_CODES, ERROR_CODES, ORDER_STATUSES, REASON_PHRASES, ROLES, ROUTES, TRANSITIONS } from './rules.js';
export { Shop, ShopEvent } from './shop.js';
export type { ShopEventMap } from './shop.js';
export type * from './types.js';
export type { StoreStats } from './local.js';

type Factory = (settings: { locateFile(path: string): string }) => Promise<EdgeCartModule>;

let factory: Promise<Factory> | null = null;

async function loadModule(): Promise<EdgeCartModule> {
  const url = new URL('./edgecart.mjs', import.meta.url).href;
  factory ??= import(/* @vite-ignore */ url).then((m: { default: Factory }) => m.default);
  return (await factory)({ locateFile: (path) => new URL(path, import.meta.url).href });
}

/** Opens a shop whose state lives in IndexedDB (default) or in memory. */
export function openShop(options: ShopOptions): Promise<Shop> {
  return openShopWith(loadModule, options);
}
