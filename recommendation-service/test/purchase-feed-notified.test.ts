import { setTimeout as sleep } from 'node:timers/promises';
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

describe(`a replica told of other replicas' writes (${DATABASE_KIND})`, () => {
  const database = useServiceDatabase('test_notified');

  it('reads the database a bounded number of times under a burst of notifications, and misses none', async () => {
    const config = readConfig({});
    const prisma = database.prisma();
    const writer = new LocalPurchases(prisma);
    const reader = new LocalPurchases(prisma);
    await Promise.all([writer.load(), reader.load()]);
    // `learn` false: this replica never calls catalog-service's feed, so no client is needed.
    const feed = new PurchaseFeed(
      undefined as unknown as CatalogClient,
      new PurchaseStatsStore(prisma, pairCountOptions(config)),
      new PurchaseStats(),
      reader,
      undefined,
      config,
      false,
      silent,
    );
    let reads = 0;
    const refresh = reader.refresh.bind(reader);
    reader.refresh = () => {
      reads++;
      return refresh();
    };
    // Another replica marks 60 customers stale, one write and one notification every ~3 ms.
    const started = performance.now();
    for (let customerId = 1; customerId <= 60; customerId++) {
      await writer.markStale([customerId]);
      feed.notified('purchases');
      await sleep(2);
    }
    const burstMs = performance.now() - started;
    await sleep(100);
    await feed.stop();
    for (let customerId = 1; customerId <= 60; customerId++) {
      expect(reader.read(customerId).staleMark, `customer ${customerId}`).not.toBeNull();
    }
    const measured = `${reads} reads for 60 notifications in ${burstMs.toFixed(0)} ms`;
    console.log(measured);
    // At most one read per 10 ms window (a read asked for while one runs follows it).
    expect(reads, measured).toBeLessThanOrEqual(Math.ceil(burstMs / 10) + 1);
  });
});
