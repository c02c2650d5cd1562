import type { FastifyBaseLogger } from 'fastify';
import type { CatalogClient } from '../clients/catalog-client.js';
import type { CoPurchaseModel } from '../ranking/co-purchase-model.js';

const PAGE_SIZE = 5000;

/**
 * Follows catalog-service's purchase feed (`GET /Purchases/?after_id=`) into the
 * co-purchase model: pages through everything at start, then polls for new purchases.
 * The catalog being down only delays the statistics; recommendations keep working.
 */
export class PurchaseFeed {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private failures = 0;
  /** When the statistics last held every purchase the feed had (null: not yet). */
  caughtUpAt: number | null = null;

  constructor(
    private readonly catalog: CatalogClient,
    private readonly model: CoPurchaseModel,
    private readonly intervalMs: number,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Pulls every purchase not yet seen. Returns how many were applied. */
  async catchUp(): Promise<number> {
    let applied = 0;
    for (;;) {
      const page = await this.catalog.purchasesAfter(this.model.lastPurchaseId, PAGE_SIZE);
      if (page.length === 0) break;
      this.model.add(page.map((p) => ({ id: p.id, customerId: p.customer_id, productId: p.product_id })));
      applied += page.length;
      if (applied >= 50_000 && applied % 50_000 < PAGE_SIZE) {
        this.log.info({ applied, lastPurchaseId: this.model.lastPurchaseId }, 'loading purchase statistics');
      }
      if (page.length < PAGE_SIZE || this.stopped) break;
    }
    return applied;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
      });
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      const applied = await this.catchUp();
      if (!this.stopped) this.caughtUpAt = Date.now();
      if (applied > 0) this.log.debug({ applied, ...this.model.size }, 'purchase statistics updated');
      if (this.failures > 0) this.log.info('catalog-service purchase feed reachable again');
      this.failures = 0;
    } catch (err) {
      this.failures++;
      // One warning per outage, not one per poll.
      if (this.failures === 1) this.log.warn({ err }, 'purchase feed unavailable; retrying');
    }
    const backoff = Math.min(this.intervalMs * 2 ** Math.min(this.failures, 5), 30_000);
    this.schedule(this.failures > 0 ? backoff : this.intervalMs);
  }
}
