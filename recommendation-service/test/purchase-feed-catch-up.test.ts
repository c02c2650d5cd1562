import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { CatalogClient } from '../src/clients/catalog-client.js';
import { readConfig } from '../src/config.js';
import { LocalPurchases } from '../src/history/local-purchases.js';
import { pairCountOptions } from '../src/ranking/config.js';
import { PurchaseStats } from '../src/ranking/purchase-stats.js';
import { PurchaseStatsStore } from '../src/ranking/purchase-stats-store.js';
import { PurchaseFeed } from '../src/sync/purchase-feed.js';
import { DATABASE_KIND, useServiceDatabase } from './helper.js';

const silent = { debug: () => {}, info: () => {}, warn: () => {} } as unknown as FastifyBaseLogger;

const PAGE_SIZE = 10;
const PAGES = 40;
/** More than one slice of lists (purchase-stats-store.ts: the first reads 100) to read. */
const PRODUCTS = 600;

/** catalog-service's purchase feed over a fixed log (the feed's paging: ids after `afterId`), one second apart. */
function feedOf(purchases: { id: number; customer_id: number; product_id: number }[]): CatalogClient {
  const items = purchases.map((purchase) => ({
    ...purchase,
    category_id: 1,
    purchased_at: new Date(Date.UTC(2026, 0, 1) + purchase.id * 1000).toISOString(),
  }));
  const feed: Pick<CatalogClient, 'purchasesAfter'> = {
    purchasesAfter: async (afterId, limit) => items.filter((item) => item.id > afterId).slice(0, limit),
  };
  return feed as CatalogClient;
}

describe(`a catch-up of many feed pages (${DATABASE_KIND})`, () => {
  const database = useServiceDatabase('test_catch_up');

  it('reads the database into memory a bounded number of times, and ends with all of it', async () => {
    const config = readConfig({ PURCHASE_FEED_PAGE_SIZE: String(PAGE_SIZE) });
    const prisma = database.prisma();
    const store = new PurchaseStatsStore(prisma, pairCountOptions(config));
    const stats = new PurchaseStats();
    const copy = new LocalPurchases(prisma);
    await copy.load();
    const log = Array.from({ length: PAGE_SIZE * PAGES }, (_, i) => ({
      id: i + 1,
      customer_id: 1 + (i % 7),
      product_id: 1 + ((i * 11) % PRODUCTS),
    }));
    const feed = new PurchaseFeed(feedOf(log), store, stats, copy, undefined, config, true, silent);
    let reads = 0;
    const refresh = copy.refresh.bind(copy);
    copy.refresh = () => {
      reads++;
      return refresh();
    };

    expect(await feed.catchUp()).toBe(log.length);

    // One read before the first page and one after the last (a read per page made a long catch-up
    // quadratic and stalled every service sharing the thread); a slow machine may add a timed one.
    expect(reads, `${reads} reads for ${PAGES} pages`).toBeLessThanOrEqual(3);
    // Memory holds everything learned, the same as a full load of the database.
    const loaded = new PurchaseStats();
    loaded.update(await store.changesSince(0, config.RANK_PARTNERS));
    expect(stats.version).toBe(log.length);
    expect(stats.size).toEqual(loaded.size);
    for (let productId = 1; productId <= PRODUCTS; productId++) {
      expect(stats.purchasesOf(productId)).toBe(loaded.purchasesOf(productId));
      expect(stats.trendingOf(productId)).toBe(loaded.trendingOf(productId));
      for (const kind of ['together', 'next'] as const) {
        const partners = stats.partners(kind, productId);
        const expected = loaded.partners(kind, productId);
        expect([...partners.ids], `${kind} of ${productId}`).toEqual([...expected.ids]);
        expect([...partners.weights], `${kind} of ${productId}`).toEqual([...expected.weights]);
      }
    }
    for (let customerId = 1; customerId <= 7; customerId++) {
      const bought = log.filter((purchase) => purchase.customer_id === customerId).length;
      expect(copy.read(customerId).purchases).toHaveLength(bought);
    }
    expect(copy.read(1).copiedUpTo).toBe(log.length);
  });
});

describe(`feed pages learned in parts (${DATABASE_KIND})`, () => {
  const database = useServiceDatabase('test_catch_up_parts');

  it('applies every purchase exactly once when two replicas learn the same pages in parts of changing sizes', async () => {
    const config = readConfig({ PURCHASE_FEED_PAGE_SIZE: '50' });
    const prisma = database.prisma();
    const log = Array.from({ length: 600 }, (_, i) => ({
      id: i + 1,
      customer_id: 1 + (i % 13),
      product_id: 1 + ((i * 7) % 30),
    }));
    /** Part sizes of its own, in turn, as a time budget would change them. */
    const replica = (sizes: number[]) => {
      let turn = 0;
      const sizer = {
        get current() {
          return sizes[turn % sizes.length]!;
        },
        took() {
          turn++;
        },
      };
      const stats = new PurchaseStats();
      const store = new PurchaseStatsStore(prisma, pairCountOptions(config));
      const copy = new LocalPurchases(prisma);
      const feed = new PurchaseFeed(feedOf(log), store, stats, copy, undefined, config, true, silent, sizer);
      return { feed, stats };
    };
    const a = replica([7, 3, 11, 1, 20]);
    const b = replica([13, 2, 30, 5]);

    const applied = await Promise.all([a.feed.catchUp(), b.feed.catchUp()]);

    expect(applied[0]! + applied[1]!).toBe(log.length);
    // A customer's repeat purchase of a product adds nothing; every other purchase counts once.
    const firsts = new Set(log.map((purchase) => `${purchase.customer_id}:${purchase.product_id}`));
    const store = new PurchaseStatsStore(prisma, pairCountOptions(config));
    expect(await store.cursor()).toEqual({
      lastPurchaseId: log.length,
      purchases: firsts.size,
      customers: 13,
    });
    for (const { stats } of [a, b]) {
      expect(stats.version).toBe(log.length);
      for (let productId = 1; productId <= 30; productId++) {
        const buyers = new Set(log.filter((p) => p.product_id === productId).map((p) => p.customer_id));
        expect(stats.purchasesOf(productId), `purchases of ${productId}`).toBe(buyers.size);
      }
    }
  });
});
