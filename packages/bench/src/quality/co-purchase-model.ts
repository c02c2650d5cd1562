import {
  type PairCountOptions,
  pairIncrements,
  trendIncrements,
} from '../../../../recommendation-service/src/ranking/pair-counts.js';
import { PopularRanking } from '../../../../recommendation-service/src/ranking/purchase-stats.js';

/**
 * The purchase statistics computed entirely in memory, with every pair kept: the reference the
 * offline tuner (packages/bench/src/quality-offline.ts) and the unit tests use. The service
 * itself keeps the statistics in its database (purchase-stats-store.ts, same pair counting in
 * pair-counts.ts) and a bounded copy in memory (purchase-stats.ts), so replicas share them and
 * memory does not grow with the purchase log.
 */
export class CoPurchaseModel {
  private readonly sequences = new Map<number, number[]>();
  private readonly cooccurrence = new Map<number, Map<number, number>>();
  private readonly transitions = new Map<number, Map<number, number>>();
  private readonly popularity = new Map<number, number>();
  private readonly trending = new Map<number, number>();
  private purchases = 0;
  private readonly popularRanking = new PopularRanking(this.trending);
  /** Purchases of the most purchased product. */
  maxPopularity = 0;
  /** Highest purchase id applied: the feed cursor. */
  lastPurchaseId = 0;

  constructor(private readonly options: PairCountOptions = { window: 50, nextWindow: 1, nextDecay: 0 }) {}

  get size(): { purchases: number; products: number; customers: number } {
    return { purchases: this.purchases, products: this.popularity.size, customers: this.sequences.size };
  }

  /** Apply purchases in id order (the feed's order). Re-applied ids are ignored. */
  add(purchases: { id: number; customerId: number; productId: number }[]): void {
    for (const purchase of purchases) {
      if (purchase.id <= this.lastPurchaseId) continue;
      this.lastPurchaseId = purchase.id;
      const sequence = this.sequences.get(purchase.customerId) ?? [];
      const increments = pairIncrements(sequence, purchase.productId, this.options);
      if (!increments) continue; // a repeat purchase adds no new pair
      for (const [a, b, weight] of increments.together) {
        increment(this.cooccurrence, a, b, weight);
        increment(this.cooccurrence, b, a, weight);
      }
      for (const [from, to, weight] of increments.next) increment(this.transitions, from, to, weight);
      for (const [productId, change] of trendIncrements(
        sequence,
        purchase.productId,
        this.options.trendHalfLife,
      ) ?? []) {
        this.trending.set(productId, Math.max(0, (this.trending.get(productId) ?? 0) + change));
      }
      sequence.push(purchase.productId);
      this.sequences.set(purchase.customerId, sequence);
      const count = (this.popularity.get(purchase.productId) ?? 0) + 1;
      this.popularity.set(purchase.productId, count);
      if (count > this.maxPopularity) this.maxPopularity = count;
      this.popularRanking.invalidate();
      this.purchases++;
    }
  }

  popularityOf(productId: number): number {
    return this.popularity.get(productId) ?? 0;
  }

  /** Purchases weighted by how recent they are in their customer's history (as the service's statistics). */
  trendingOf(productId: number): number {
    return this.trending.get(productId) ?? 0;
  }

  coPurchased(productId: number): ReadonlyMap<number, number> {
    return this.cooccurrence.get(productId) ?? EMPTY;
  }

  boughtNext(productId: number): ReadonlyMap<number, number> {
    return this.transitions.get(productId) ?? EMPTY;
  }

  /** Most trending products first (as the service's popular fill). */
  mostPopular(limit: number, exclude: ReadonlySet<number> = new Set()): number[] {
    return this.popularRanking.top(limit, exclude);
  }

  /** A product left the catalog: it must not come back as a candidate. */
  forgetProduct(productId: number): void {
    this.popularity.delete(productId);
    this.trending.delete(productId);
    this.popularRanking.invalidate();
    // A loop, not Math.max(...values): spreading ~200k arguments overflows the call stack.
    let max = 0;
    for (const count of this.popularity.values()) if (count > max) max = count;
    this.maxPopularity = max;
    const partners = this.cooccurrence.get(productId);
    for (const other of partners?.keys() ?? []) this.cooccurrence.get(other)?.delete(productId);
    this.cooccurrence.delete(productId);
    this.transitions.delete(productId);
    for (const next of this.transitions.values()) next.delete(productId);
  }
}

const EMPTY: ReadonlyMap<number, number> = new Map();

function increment(table: Map<number, Map<number, number>>, from: number, to: number, by = 1): void {
  let row = table.get(from);
  if (!row) {
    row = new Map();
    table.set(from, row);
  }
  row.set(to, (row.get(to) ?? 0) + by);
}
