/** A product's strongest partners in one statistic, strongest first, in typed arrays (8 bytes each). */
export interface PartnerList {
  ids: Int32Array;
  weights: Float32Array;
}

export type PairKind = 'together' | 'next';

const EMPTY: PartnerList = { ids: new Int32Array(0), weights: new Float32Array(0) };

/**
 * The request path's copy of the statistics: purchases per product and its strongest
 * `RANK_PARTNERS` partners, bounded by the catalog, not the purchase log. `version`: the last
 * purchase id it reflects (stamps cached answers).
 */
export class PurchaseStats {
  version = 0;
  /** The feed is between the pages of a catch-up: an answer ranked now is not let lag them. */
  catchingUp = false;
  private purchases = 0;
  private customers = 0;
  private readonly popularity = new Map<number, number>();
  private readonly trending = new Map<number, number>();
  private readonly lists: Record<PairKind, Map<number, PartnerList>> = {
    together: new Map(),
    next: new Map(),
  };
  private readonly popularRanking = new PopularRanking(this.trending);

  get size(): { purchases: number; products: number; customers: number } {
    return { purchases: this.purchases, products: this.popularity.size, customers: this.customers };
  }

  purchasesOf(productId: number): number {
    return this.popularity.get(productId) ?? 0;
  }

  /** Purchases weighted by how recent they are in their customer's history (trendIncrements). */
  trendingOf(productId: number): number {
    return this.trending.get(productId) ?? 0;
  }

  partners(kind: PairKind, productId: number): PartnerList {
    return this.lists[kind].get(productId) ?? EMPTY;
  }

  /** Most trending products first (ties: lower id), skipping `exclude`. */
  mostPopular(limit: number, exclude: ReadonlySet<number> = new Set()): number[] {
    return this.popularRanking.top(limit, exclude);
  }

  /** Applies what the store says changed since `version`. */
  update(change: StatsChange): void {
    for (const [productId, count] of change.popularity) this.popularity.set(productId, count);
    for (const [productId, value] of change.trending) this.trending.set(productId, value);
    for (const kind of ['together', 'next'] as const) {
      for (const [productId, list] of change.partners[kind]) {
        if (list.ids.length === 0) this.lists[kind].delete(productId);
        else this.lists[kind].set(productId, list);
      }
    }
    if (change.trending.size > 0) this.popularRanking.invalidate();
    this.purchases = change.purchases;
    this.customers = change.customers;
    this.version = Math.max(this.version, change.version);
  }

  /** A product left the catalog: it must not come back as a candidate. */
  forgetProduct(productId: number): void {
    this.trending.delete(productId);
    if (this.popularity.delete(productId)) this.popularRanking.invalidate();
    for (const lists of Object.values(this.lists)) {
      lists.delete(productId);
      // Partner lists naming it are rebuilt without it (rare: a product delete).
      for (const [owner, list] of lists) {
        if (!list.ids.includes(productId)) continue;
        const keep = (_: number, i: number) => list.ids[i] !== productId;
        lists.set(owner, { ids: list.ids.filter(keep), weights: list.weights.filter(keep) });
      }
    }
  }
}

export interface StatsChange {
  /** The last purchase id the change reflects. */
  version: number;
  purchases: number;
  customers: number;
  popularity: Map<number, number>;
  /** New trending popularity of the products whose value changed. */
  trending: Map<number, number>;
  /** Complete new partner lists of the products whose lists changed (empty = none left). */
  partners: Record<PairKind, Map<number, PartnerList>>;
}

/**
 * Product ids by trending popularity, highest first (ties: lower id): the popular fill. Sorted
 * once per change of the values, not per request.
 */
export class PopularRanking {
  private sorted: number[] | null = null;

  constructor(private readonly trending: ReadonlyMap<number, number>) {}

  /** The values changed: sort again on the next read. */
  invalidate(): void {
    this.sorted = null;
  }

  top(limit: number, exclude: ReadonlySet<number>): number[] {
    this.sorted ??= [...this.trending].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => id);
    const result: number[] = [];
    for (const id of this.sorted) {
      if (result.length >= limit) break;
      if (!exclude.has(id)) result.push(id);
    }
    return result;
  }
}

/** Builds a partner list from rows already ordered strongest first. */
export function partnerList(rows: readonly (readonly [number, number])[]): PartnerList {
  return {
    ids: Int32Array.from(rows, ([id]) => id),
    weights: Float32Array.from(rows, ([, weight]) => weight),
  };
}
