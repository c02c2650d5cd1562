import { LRUCache } from 'lru-cache';
import type { CatalogClient, CustomerPurchases } from '../clients/catalog-client.js';

export interface HistoryCacheOptions {
  /** How long a fetched history is used without asking again (0: never cache). */
  ttlMs: number;
  /** Customers kept (least recently used dropped first; 0: never cache). */
  maxEntries: number;
}

/**
 * The customer histories recommendation-service has fetched from catalog-service, kept until
 * catalog-service says the customer's purchases changed (`invalidate`, pushed through its
 * outbox right after the purchase commits) or `ttlMs` passes. The TTL bounds what is not
 * pushed: profile changes and deletions in user-service, product renames in old purchases.
 * A warm recommendation therefore makes no HTTP call; a customer not held is fetched once
 * however many requests ask at the same time.
 */
export class HistoryCache {
  /** Absent when caching is off: lru-cache needs max >= 1 and a ttl > 0. */
  private readonly entries: LRUCache<number, CustomerPurchases> | undefined;
  /** Fetches in flight; a change announced meanwhile removes the entry so its result is not kept. */
  private readonly inFlight = new Map<number, Promise<CustomerPurchases>>();
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly catalog: Pick<CatalogClient, 'purchaseHistory'>,
    options: HistoryCacheOptions,
  ) {
    this.entries =
      options.ttlMs > 0 && options.maxEntries > 0
        ? new LRUCache({ max: options.maxEntries, ttl: options.ttlMs })
        : undefined;
  }

  /** The customer's profile and purchases, newest first; NotFoundError / 503 as the catalog call. */
  get(customerId: number, requestId?: string): Promise<CustomerPurchases> {
    const cached = this.entries?.get(customerId);
    if (cached) {
      this.hits += 1;
      return Promise.resolve(cached);
    }
    const pending = this.inFlight.get(customerId);
    if (pending) return pending;
    this.misses += 1;
    // The TTL counts from the call's start: a change may have landed while it ran.
    const start = performance.now();
    const fetch = this.catalog.purchaseHistory(customerId, requestId).then(
      (history) => {
        // Kept only if no change was announced while the call ran (it may predate the change).
        if (this.inFlight.get(customerId) === fetch) {
          this.inFlight.delete(customerId);
          this.entries?.set(customerId, history, { start });
        }
        return history;
      },
      (error: unknown) => {
        if (this.inFlight.get(customerId) === fetch) this.inFlight.delete(customerId);
        throw error;
      },
    );
    this.inFlight.set(customerId, fetch);
    return fetch;
  }

  /** These customers' purchases changed: the next request fetches their history again. */
  invalidate(customerIds: Iterable<number>): number {
    let dropped = 0;
    for (const id of customerIds) {
      if (this.entries?.delete(id)) dropped += 1;
      this.inFlight.delete(id);
    }
    return dropped;
  }

  get stats(): { customers: number; hits: number; misses: number } {
    return { customers: this.entries?.size ?? 0, hits: this.hits, misses: this.misses };
  }
}
