// Opening a shop: the options checked, then the store it runs on. In a browser the tabs on one
// database elect a writer among themselves (tabs.ts); elsewhere (Node, or storage "memory") the
// shops of this realm on one database share one store, which closes with the last of them.

import { EdgeCartError } from './errors.js';
import { LocalStore, type Executor } from './local.js';
import type { ModuleLoader, RawResult } from './module.js';
import { DEFAULT_RETENTION_DAYS, Shop } from './shop.js';
import { tokenRoles } from './sync.js';
import { TabExecutor, canCoordinate } from './tabs.js';
import type { ShopOptions } from './types.js';

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Opens a shop over a module loader (the package entries pass theirs). */
export async function openShopWith(loader: ModuleLoader, options: ShopOptions): Promise<Shop> {
  if (!options || typeof options !== 'object') throw new EdgeCartError(400, 'openShop needs {tenant, user}');
  const { tenant, user } = options;
  if (typeof tenant !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(tenant.toLowerCase())) {
    throw new EdgeCartError(400, 'tenant must match [a-z0-9][a-z0-9_-]{0,63}');
  }
  if (typeof user !== 'string' || user.length === 0) throw new EdgeCartError(400, 'user must be a non-empty string');
  const server = options.server;
  // A synced shop acts with its token's roles (the server checks them again on every push); a
  // local shop's user owns it.
  const roles = options.roles ??
      (server ? (typeof server.token === 'string' ? tokenRoles(server.token) : []) : ['admin']);
  if (!Array.isArray(roles) || roles.some((r) => typeof r !== 'string')) {
    throw new EdgeCartError(400, 'roles must be an array of strings');
  }
  const name = options.name ?? 'edgecart';
  if (typeof name !== 'string' || !NAME.test(name)) throw new EdgeCartError(400, 'name must match [A-Za-z0-9_-]{1,64}');
  const hasIndexedDB = typeof indexedDB !== 'undefined';
  const storage = options.storage ?? (hasIndexedDB ? 'indexeddb' : 'memory');
  if (storage !== 'indexeddb' && storage !== 'idbfs' && storage !== 'memory') {
    throw new EdgeCartError(400, 'storage must be "indexeddb", "idbfs" or "memory"');
  }
  if (storage !== 'memory' && !hasIndexedDB) {
    throw new EdgeCartError(400, `storage "${storage}" needs IndexedDB (in Node, import "fake-indexeddb/auto" first)`);
  }
  const durability = options.durability ?? (storage === 'idbfs' ? 'relaxed' : 'strict');
  if (durability !== 'strict' && durability !== 'relaxed') {
    throw new EdgeCartError(400, 'durability must be "strict" or "relaxed"');
  }
  if (storage === 'idbfs' && durability === 'strict') {
    throw new EdgeCartError(400, 'storage "idbfs" commits with the browser\'s default durability ("relaxed"); ' +
        'use storage "indexeddb" for "strict"');
  }
  const retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
  if (typeof retentionDays !== 'number' || !(retentionDays >= 0)) {
    throw new EdgeCartError(400, 'retentionDays must be a number >= 0 (Infinity: keep every order live)');
  }
  const context = { tenant: tenant.toLowerCase(), user, roles: [...roles] };
  if (server !== undefined && (typeof server !== 'object' || server === null || typeof server.url !== 'string' ||
      (typeof server.token !== 'string' && typeof server.token !== 'function'))) {
    throw new EdgeCartError(400, 'server must be {url, token}');
  }
  const openLocal = async (database: string | null) => {
    const local = await LocalStore.open(loader, database, durability, storage === 'idbfs' ? 'idbfs' : 'indexeddb');
    try {
      if (server) await local.enableSync(context.tenant, server);
      else await local.resumeOutbox(context.tenant);
    } catch (e) {
      await local.close();
      throw e;
    }
    return local;
  };

  if (storage !== 'memory' && canCoordinate()) {
    // A browser: the tabs (and shops) on this database elect one writer among themselves. (An
    // IDBFS database is another database of the same name: its tabs elect their own writer.)
    let shop: Shop | null = null;
    const tabs = await TabExecutor.join(storage === 'idbfs' ? `idbfs-${name}` : name, () => openLocal(name),
        (r) => shop?.emitResult(r));
    shop = new Shop(tabs, context, () => tabs.role, retentionDays);
    if (server && tabs.role === 'follower') {
      // The writer tab runs the sync: it must be syncing this tenant, or this shop's writes
      // would silently never reach the server.
      const status = await shop.syncStatus().catch((e: unknown) => e as EdgeCartError);
      if (status instanceof Error || status.tenant !== context.tenant) {
        await shop.close();
        throw new EdgeCartError(409, `Database ${name} is open in another tab ${status instanceof Error
            ? 'without a server' : `syncing tenant ${status.tenant}`}; open it there with the same tenant and server`);
      }
    }
    if (storage === 'indexeddb') shop.scheduleRetention();  // IDBFS has no archive to move orders to
    return shop;
  }
  // Node, or memory: shops of this realm on the same database share one store.
  const shop = await attach(`${storage}:${name}`, server ? context.tenant : null, (emit) => openLocal(storage === 'memory' ? null : name).then((local) => {
    local.onEvents = emit;
    return emitting(local, emit);
  }), (executor) => new Shop(executor, context, () => storage === 'memory' ? 'memory' : 'writer', retentionDays));
  if (storage === 'indexeddb') shop.scheduleRetention();
  return shop;
}

// The databases open in this realm (outside coordinated browser tabs), shared by their shops.
interface Database {
  executor: Promise<Executor>;
  shops: Set<Shop>;
  syncTenant: string | null;  // the tenant it reconciles with a server, if any
}
const databases = new Map<string, Database>();
const closing = new Map<string, Promise<void>>();

async function attach(key: string, syncTenant: string | null, open: (emit: (r: RawResult) => void) => Promise<Executor>,
                      makeShop: (executor: Executor) => Shop): Promise<Shop> {
  let db = databases.get(key);
  if (!db) {
    await closing.get(key);  // a store being closed finishes its last save first
    db = databases.get(key);
  }
  if (!db) {
    const created: Database = { executor: Promise.resolve(null as unknown as Executor), shops: new Set(), syncTenant };
    created.executor = open((r) => { for (const s of created.shops) s.emitResult(r); });
    databases.set(key, created);
    created.executor.catch(() => databases.delete(key));
    db = created;
  }
  if (db.syncTenant !== syncTenant) {
    throw new EdgeCartError(409, `Database ${key.slice(key.indexOf(':') + 1)} is already open ${db.syncTenant
        ? `syncing tenant ${db.syncTenant}` : 'without a server'}; open it with the same tenant and server`);
  }
  const inner = await db.executor;
  const database = db;
  let shop: Shop | null = null;
  let released = false;
  shop = makeShop({
    execute: (call) => inner.execute(call),
    stats: () => inner.stats(),
    async close() {
      if (released) return;
      released = true;
      database.shops.delete(shop!);
      if (database.shops.size > 0) return;
      databases.delete(key);
      const done = inner.close();
      closing.set(key, done.catch(() => {}));
      try {
        await done;
      } finally {
        closing.delete(key);
      }
    },
  });
  database.shops.add(shop);
  return shop;
}

// An executor that reports every committed write (TabExecutor does this itself).
function emitting(inner: Executor, emit: (r: RawResult) => void): Executor {
  return {
    async execute(call) {
      const result = await inner.execute(call);
      if (result.changes.length > 0 || result.notifications.length > 0) emit(result);
      return result;
    },
    close: () => inner.close(),
    stats: () => inner.stats(),
  };
}
