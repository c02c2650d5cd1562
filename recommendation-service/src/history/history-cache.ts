import type { CallerRequest } from '@ecom/service-kit';
import { LRUCache } from 'lru-cache';
import type { CustomerPurchases } from '../clients/catalog-client.js';
import type { HistorySource, LoadedHistory } from './history-source.js';

/**
 * Loaded histories, kept until catalog-service's outbox pushes a change (`invalidate`) or `ttlMs`
 * passes (0: never cached); the TTL bounds what is not pushed (profile changes, renames). A
 * customer not held is loaded once however many requests ask at the same time.
 */
export class HistoryCache {
  /** Absent when caching is off: lru-cache needs max >= 1 and a ttl > 0. */
  private readonly entries: LRUCache<number, LoadedHistory> | undefined;
  /** Loads in flight; a change announced meanwhile removes the entry so its result is not kept. */
  private readonly inFlight = new Map<number, Promise<LoadedHistory>>();
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly source: Pick<HistorySource, 'load'>,
    ttlMs: number,
    maxEntries: number,
  ) {
    this.entries = ttlMs > 0 && maxEntries > 0 ? new LRUCache({ max: maxEntries, ttl: ttlMs }) : undefined;
  }

  /** Profile and purchases, newest first; `needTags`: with product tags, which the local copy lacks. */
  async get(customerId: number, request?: CallerRequest, needTags = false): Promise<CustomerPurchases> {
    const cached = this.entries?.get(customerId);
    if (cached && !(needTags && cached.fromCopy)) {
      this.hits += 1;
      return cached.history;
    }
    // A load under a caller's deadline (x-request-timeout-ms) may fail for that caller alone:
    // it is neither shared with other requests nor kept.
    if (request?.deadline !== undefined) {
      this.misses += 1;
      return (await this.source.load(customerId, request, needTags)).history;
    }
    const pending = this.inFlight.get(customerId);
    if (pending) {
      const loaded = await pending;
      if (!(needTags && loaded.fromCopy)) return loaded.history;
    }
    return (await this.load(customerId, request, needTags)).history;
  }

  private load(
    customerId: number,
    request: CallerRequest | undefined,
    needTags: boolean,
  ): Promise<LoadedHistory> {
    this.misses += 1;
    // The TTL counts from the load's start: a change may have landed while it ran.
    const start = performance.now();
    const load = this.source
      .load(customerId, request, needTags)
      .then((loaded) => {
        // Kept only if no change was announced while it ran (it may predate the change).
        if (this.inFlight.get(customerId) === load) this.entries?.set(customerId, loaded, { start });
        return loaded;
      })
      .finally(() => {
        if (this.inFlight.get(customerId) === load) this.inFlight.delete(customerId);
      });
    this.inFlight.set(customerId, load);
    return load;
  }

  /** These customers' purchases changed: the next request loads their history again. */
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
