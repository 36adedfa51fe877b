// The package entry for Node: loads the module's bytes from disk (the generated loader's own
// fetch() of a file path fails on Node 18/20).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

import type { EdgeCartModule } from './module.js';
import { openShopWith, type Shop } from './shop.js';
import type { ShopOptions } from './types.js';

export { EdgeCartError } from './errors.js';
export { DEFAULT_CODES, ERROR_CODES, ORDER_STATUSES, REASON_PHRASES, ROLES, ROUTES, TRANSITIONS } from './rules.js';
export { Shop, ShopEvent } from './shop.js';
export type { ShopEventMap } from './shop.js';
export type * from './types.js';
export type { StoreStats } from './local.js';

type Factory = (settings: { wasmBinary: Uint8Array }) => Promise<EdgeCartModule>;

let wasm: Promise<Uint8Array> | null = null;

async function loadModule(): Promise<EdgeCartModule> {
  const factory = createRequire(import.meta.url)('./edgecart.cjs') as Factory;
  wasm ??= readFile(new URL('./edgecart.wasm', import.meta.url));
  return factory({ wasmBinary: await wasm });
}

/** Opens a shop; in Node, storage "indexeddb" needs `import 'fake-indexeddb/auto'` first. */
export function openShop(options: ShopOptions): Promise<Shop> {
  return openShopWith(loadModule, options);
}
