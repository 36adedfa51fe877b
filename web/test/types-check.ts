// Compiled by `npm run typecheck` (tsc --noEmit): the package's declarations as a storefront
// written in TypeScript sees them. A @ts-expect-error line fails the check if it stops erroring.
import { EdgeCartError, openShop, type Order, type Page, type ShopEvent, type SyncOutcome, type SyncStatus } from 'edgecart';

export async function storefront(): Promise<number> {
  const shop = await openShop({ tenant: 'shop-a', user: 'user-1', name: 'typed', storage: 'memory' });
  const product = await shop.products.create({
    code: 'PRD-001', name: 'Wireless Mouse', categoryCode: 'ACC', sku: 'WM-001', price: 29.99, currency: 'JPY',
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
  shop.addEventListener('notification', (e) => console.log((e as ShopEvent<{ type: string }>).detail.type));
  const raw = await shop.request<{ items: unknown[] }>('GET', '/orders');
  try {
    await shop.orders.get('ORD-000009');
  } catch (e) {
    if (e instanceof EdgeCartError) return e.status;
  }
  const role: 'writer' | 'follower' | 'memory' = shop.role();
  const till = await openShop({ tenant: 'shop-a', user: 'till', server: { url: '', token: () => 'jwt', leaseSize: 50 } });
  till.addEventListener('sync', (e) => console.log((e as ShopEvent<SyncOutcome>).detail.outcome));
  const status: SyncStatus = await till.syncStatus();
  const pending: number = status.pending;
  for (const c of await till.conflicts()) await till.resolveConflict(c.seq, 'retry');
  // @ts-expect-error: only retry or discard
  await till.resolveConflict(1, 'merge');
  await shop.close();
  return price + reserved + page.items.length + raw.status + role.length + pending;
}
