import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { warmLimits } from '#functions/flash-sales/flash-sale-wiring';
import { FUNCTIONS, WARMED_FOR_SALES } from '#functions/registry';
import { localWarmSchedules } from '#shared/adapters/local/capacity-scheduler';
import { warmCapacity } from '#shared/flash-sales/warm-capacity';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { eventually } from '../support/eventually';
import { stockDropProduct } from '../support/drop-product';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/**
 * Capacity warmed before the drop, through the local platform: creating a sale records its
 * warm-up schedule (sized from `expectedEntries`), and at 5 minutes before its start the
 * runtime loads the warmed handlers (imports and init), the local stand-in for provisioned
 * concurrency, so the first entries pay no module load. Closing the sale drops its schedule.
 */
let platform: TestPlatform;
let admin: string;
const shop = DEMO_SHOP.shopId;

beforeAll(async () => {
  platform = await startTestPlatform({ throttling: false });
  await seedDemoShop({ log: () => undefined });
  admin = await platform.token({ sub: 'staff', groups: ['admin'], shops: [shop] });
  await stockDropProduct(platform, admin, { title: 'Warm Drop Hoodie', category: 'hoodies', skuPrefix: 'WARM-HOODIE', amount: 9_000, units: { a: 50, b: 50 } });
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

const fromNow = (ms: number) => new Date(platform.clock.nowMs() + ms).toISOString();
const createSale = (body: Record<string, unknown>) => platform.request('POST', `/v1/shops/${shop}/admin/flash-sales`, { token: admin, body });
const scheduleOf = (saleId: string) => localWarmSchedules().find((s) => s.saleId === saleId);

describe('capacity warmed before the drop (local platform)', () => {
  it('leaves the warmed handlers unloaded until a sale needs them', () => {
    expect(WARMED_FOR_SALES.map((spec) => spec.id)).toEqual([FUNCTIONS.enterFlashSale.id, FUNCTIONS.getFlashSaleTicket.id, FUNCTIONS.decideFlashSaleTickets.id]);
    for (const spec of WARMED_FOR_SALES) expect(platform.invoke.isWarm?.(spec), spec.id).toBe(false);
  });

  it('records a later sale’s schedule, sized from expectedEntries, without warming yet', async () => {
    const startsAt = fromNow(3_600_000);
    const endsAt = fromNow(7_200_000);
    const res = await createSale({ sku: 'WARM-HOODIE-A', units: 20, startsAt, endsAt, perCustomerLimit: 1, holdSeconds: 300, expectedEntries: 40_000 });
    expect(res.status).toBe(201);
    const saleId = (res.body as { saleId: string }).saleId;
    const schedule = scheduleOf(saleId);
    expect(schedule).toMatchObject({ shopId: shop, saleId, warmAt: new Date(Date.parse(startsAt) - 300_000), coolAt: new Date(endsAt) });
    expect(schedule?.capacity).toEqual(warmCapacity({ units: 20, expectedEntries: 40_000 }, warmLimits()));
    expect(schedule?.warmedAt).toBeUndefined();
    for (const spec of WARMED_FOR_SALES) expect(platform.invoke.isWarm?.(spec), spec.id).toBe(false);
  });

  it('warms the entry, ticket and worker handlers for a sale starting within 5 minutes, before its first entry', async () => {
    const res = await createSale({ sku: 'WARM-HOODIE-B', units: 10, startsAt: fromNow(120_000), endsAt: fromNow(600_000), perCustomerLimit: 1, holdSeconds: 300 });
    expect(res.status).toBe(201);
    const saleId = (res.body as { saleId: string }).saleId;
    await eventually(async () => {
      expect(scheduleOf(saleId)?.warmedAt).toBeInstanceOf(Date);
      return Promise.resolve();
    });
    expect(scheduleOf(saleId)?.capacity).toEqual(warmCapacity({ units: 10 }, warmLimits()));
    for (const spec of WARMED_FOR_SALES) expect(platform.invoke.isWarm?.(spec), spec.id).toBe(true);
  });

  it('drops a sale’s schedule when the close job closes it', async () => {
    const before = localWarmSchedules().map((s) => s.saleId);
    expect(before).toHaveLength(2);
    platform.clock.advance(7_300_000);
    await platform.runSchedule('CloseFlashSales');
    expect(localWarmSchedules()).toEqual([]);
  });
});
