// Compiled by `npm run typecheck` (tsc --noEmit): the package's declarations as a storefront
// written in TypeScript sees them. A @ts-expect-error line fails the check if it stops erroring.
import { EdgeCartError, openShop, type ErrorCode, type Order, type Page, type Product, type SyncStatus } from 'edgecart';

export async function storefront(): Promise<number> {
  const shop = await openShop({ tenant: 'shop-a', user: 'user-1', name: 'typed', storage: 'memory' });
  const product = await shop.products.create({
    code: 'PRD-001', name: 'Wireless Mouse', categoryCode: 'ACC', sku: 'WM-001', price: 29.99, currency: 'USD',
  });
  const price: number = product.attributes.price;
  const inventory = await shop.inventory.update('PRD-001', { quantity: 10 });
  const reserved: number = inventory.attributes.reservedQuantity;
  const order: Order = await shop.orders.create({
    customerId: 'CUST-001',
    items: [{ productCode: 'PRD-001', name: 'Wireless Mouse', quantity: 2, price: 29.99 }],
    shippingAddress: { street: '123 Main St', city: 'Tokyo', postalCode: '100-0001', country: 'JP' },
    paymentMethod: 'credit_card',
  });
  const page: Page<Order> = await shop.orders.list({ status: 'pending', limit: 10 });
  await shop.orders.updateStatus(order.code, 'confirmed', order.version);
  // @ts-expect-error: not a status
  await shop.orders.updateStatus(order.code, 'teleported');
  // @ts-expect-error: storage is 'indexeddb' | 'memory'
  await openShop({ tenant: 'shop-a', user: 'u', storage: 'cloud' });
  // Typed events: e.detail is known from the event's name, no cast.
  shop.addEventListener('notification', (e) => console.log(e.detail.type, e.detail.orderId));
  shop.addEventListener('change', (e) => console.log(e.detail.sk, e.detail.version));
  shop.addEventListener('syncstatus', (e) => console.log(e.detail.pending, e.detail.online));
  // @ts-expect-error: a notification has no version
  shop.addEventListener('notification', (e) => e.detail.version.toFixed());
  // Live queries: the page now and after every change; the returned function stops it.
  const stop: () => void = shop.orders.watch({ status: 'pending', order: 'desc' }, (p: Page<Order>) => console.log(p.items.length));
  const stopProducts = shop.products.watch({ categoryCode: 'ACC', isActive: true }, (p: Page<Product>) => console.log(p.items[0]?.attributes.price),
                                           (e: EdgeCartError) => console.log(e.code));
  stop();
  stopProducts();
  // The stock outcome and the strict policy; idempotent writes.
  const strict = await shop.orders.create({
    items: [{ productCode: 'PRD-001', name: 'Wireless Mouse', quantity: 1, price: 29.99 }],
    shippingAddress: { street: '1 A St', city: 'Tokyo', postalCode: '100-0001', country: 'JP' },
    paymentMethod: 'card',
  }, { stock: 'strict', idempotencyKey: 'checkout-42' });
  const held: boolean = strict.reservation?.state === 'held';
  // @ts-expect-error: only accept or strict
  await shop.orders.create(strict.attributes, { stock: 'maybe' });
  await shop.products.update('PRD-001', { price: 24.99, version: product.version });
  const raw = await shop.request<{ items: unknown[] }>('GET', '/orders');
  try {
    await shop.orders.get('ORD-000009');
  } catch (e) {
    if (e instanceof EdgeCartError) {
      const code: ErrorCode = e.code;
      if (code === 'INSUFFICIENT_INVENTORY' || code === 'VERSION_CONFLICT' || code === 'FORBIDDEN') return e.status;
      // @ts-expect-error: not an error code
      if (code === 'OOPS') return 0;
      return e.body.code === code ? e.status : 0;
    }
  }
  const role: 'writer' | 'follower' | 'memory' = shop.role();
  const till = await openShop({ tenant: 'shop-a', user: 'till', server: { url: '', token: () => 'jwt', leaseSize: 50 } });
  till.addEventListener('sync', (e) => console.log(e.detail.outcome));
  const status: SyncStatus = await till.syncStatus();
  const pending: number = status.pending;
  for (const c of await till.conflicts()) await till.resolveConflict(c.seq, 'retry');
  // @ts-expect-error: only retry or discard
  await till.resolveConflict(1, 'merge');
  // A till's day: the drawer, a sale on it, a return, the Z report.
  const drawer = await till.sessions.open({ till: 'front', float: 100 });
  await till.orders.create({ ...strict.attributes, session: drawer.code, payments: [{ method: 'cash', amount: 50 }] });
  const back = await till.returns.create({ orderCode: order.code, lines: [{ productCode: 'PRD-001', quantity: 1, restock: false }], session: drawer.code });
  const refund: number = back.attributes.refund.amount;
  await till.sessions.move(drawer.code, { type: 'out', amount: 5, reason: 'stamps' });
  // @ts-expect-error: a movement is in or out
  await till.sessions.move(drawer.code, { type: 'sideways', amount: 5, reason: 'x' });
  const z = await till.sessions.close(drawer.code, { denominations: [{ value: 20, count: 4 }] });
  const short: number = z.attributes.difference ?? 0;
  const open: 'open' | 'closed' = (await till.sessions.list({ till: 'front', status: 'open' })).items[0]?.attributes.status ?? 'closed';
  await shop.close();
  return price + reserved + page.items.length + raw.status + role.length + pending + (held ? 1 : 0) + refund + short + open.length;
}
