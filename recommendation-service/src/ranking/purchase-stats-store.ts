import { setImmediate as yieldToRequests } from 'node:timers/promises';
import type { PrismaClient } from '../generated/prisma/client.js';
import { TimedBatchSize } from '../sync/timed-batch-size.js';
import { type PairCountOptions, pairIncrements, trendIncrements } from './pair-counts.js';
import type { PairKind, PartnerList, StatsChange } from './purchase-stats.js';

export interface FeedPurchase {
  id: number;
  customerId: number;
  productId: number;
}

interface ListRow {
  kind: number;
  product_id: number;
  /** null: its pairs went (a product forgotten) between listing it and reading its list. */
  ids: number[] | null;
  weights: number[] | null;
}

interface StatsCursor {
  lastPurchaseId: number;
  purchases: number;
  customers: number;
}

// Partner lists come back one row per list, ids and weights as arrays: ~100x fewer rows
// through the driver than one per partner (a full load of 2 M pairs: 44 s -> a few s on PGlite).
// Every list (a start, or a new replica): one pass over the table.
const ALL_PARTNER_LISTS = `
  SELECT kind, product_id,
         (array_agg(other_id ORDER BY weight DESC, other_id))[1:$2] AS ids,
         (array_agg(weight ORDER BY weight DESC, other_id))[1:$2] AS weights
  FROM recommendation_schema.product_pair
  WHERE version > $1
  GROUP BY kind, product_id`;

// The (kind, product)s touched after $1, then their lists a few hundred at a time: a primary-key
// range each.
const CHANGED_PRODUCTS = `
  SELECT DISTINCT kind, product_id FROM recommendation_schema.product_pair WHERE version > $1`;
const PARTNER_LISTS_OF = `
  SELECT c.kind, c.product_id, p.ids, p.weights
  FROM unnest($1::int[], $2::int[]) AS c(kind, product_id)
  CROSS JOIN LATERAL (
    SELECT array_agg(other_id ORDER BY weight DESC, other_id) AS ids,
           array_agg(weight ORDER BY weight DESC, other_id) AS weights
    FROM (
      SELECT other_id, weight FROM recommendation_schema.product_pair q
      WHERE q.kind = c.kind AND q.product_id = c.product_id
      ORDER BY weight DESC, other_id LIMIT $3
    ) strongest
  ) p`;

/**
 * How long one query of changed lists should last, and the most lists it reads. After a bulk
 * catch-up most products changed, and their lists in one query held PGlite's one session (and,
 * embedded, the thread every service shares) for seconds; in queries of a fixed 500, ~0.6 s each
 * at 2 M pairs on PGlite, requests still waited that long. Sized by time, requests run in between
 * every ~0.2 s; on Postgres (quicker, off the thread) the queries grow to the bound.
 */
const LISTS_QUERY_MS = 200;
const LISTS_PER_QUERY_MAX = 2_000;

/**
 * The purchase statistics in the database, shared by replicas: a page is applied under a lock on
 * the cursor row (never twice), and each replica reads what changed since its copy.
 */
export class PurchaseStatsStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: PairCountOptions,
  ) {}

  async cursor(): Promise<StatsCursor> {
    const rows = await this.prisma.$queryRawUnsafe<StatsCursor[]>(
      `SELECT last_purchase_id AS "lastPurchaseId", purchases, customers
       FROM recommendation_schema.purchase_stats_cursor WHERE id = 1`,
    );
    return rows[0] ?? { lastPurchaseId: 0, purchases: 0, customers: 0 };
  }

  /** Applies a page (ascending ids) past the shared cursor in one transaction; returns how many. */
  async apply(page: readonly FeedPurchase[]): Promise<number> {
    if (page.length === 0) return 0;
    return this.prisma.$transaction(
      async (tx) => {
        const [cursor] = await tx.$queryRawUnsafe<{ last: number }[]>(
          `SELECT last_purchase_id AS last FROM recommendation_schema.purchase_stats_cursor WHERE id = 1 FOR UPDATE`,
        );
        const fresh = page.filter((purchase) => purchase.id > (cursor?.last ?? 0));
        if (fresh.length === 0) return 0;
        const version = fresh[fresh.length - 1]!.id;

        const customerIds = [...new Set(fresh.map((purchase) => purchase.customerId))];
        const known = await tx.$queryRawUnsafe<{ customer_id: number; products: number[] | null }[]>(
          `SELECT customer_id, products FROM recommendation_schema.customer_tail WHERE customer_id = ANY($1::int[])`,
          customerIds,
        );
        const tails = new Map(known.map((row) => [row.customer_id, row.products ?? []]));
        const newCustomers = customerIds.length - known.length;

        const bump = <K>(map: Map<K, number>, key: K, by: number) => map.set(key, (map.get(key) ?? 0) + by);
        const pairs = new Map<string, number>();
        const popularity = new Map<number, number>();
        const trending = new Map<number, number>();
        // Counted like the statistics: a customer's repeat purchase of a product is not new.
        let learned = 0;
        for (const purchase of fresh) {
          const tail = tails.get(purchase.customerId) ?? [];
          const increments = pairIncrements(tail, purchase.productId, this.options);
          if (!increments) continue; // a repeat purchase says nothing new
          const trend = trendIncrements(tail, purchase.productId, this.options.trendHalfLife) ?? [];
          for (const [productId, change] of trend) bump(trending, productId, change);
          for (const [a, b, weight] of increments.together) {
            bump(pairs, `0:${a}:${b}`, weight);
            bump(pairs, `0:${b}:${a}`, weight);
          }
          for (const [from, to, weight] of increments.next) bump(pairs, `1:${from}:${to}`, weight);
          bump(popularity, purchase.productId, 1);
          learned++;
          // The newest `window` products, oldest first.
          tails.set(purchase.customerId, [...tail, purchase.productId].slice(-this.options.window));
        }

        if (pairs.size > 0) {
          // Columns kind, product, other, weight for unnest, filled in one pass (a page has up to
          // ~100k pairs while the whole log is learned).
          const columns: [number[], number[], number[], number[]] = [[], [], [], []];
          for (const [key, weight] of pairs) {
            const [kind, a, b] = key.split(':');
            columns[0].push(Number(kind));
            columns[1].push(Number(a));
            columns[2].push(Number(b));
            columns[3].push(weight);
          }
          await tx.$executeRawUnsafe(
            `INSERT INTO recommendation_schema.product_pair (kind, product_id, other_id, weight, version)
             SELECT k, a, b, w, $5 FROM unnest($1::int[], $2::int[], $3::int[], $4::float8[]) AS t(k, a, b, w)
             ON CONFLICT (kind, product_id, other_id)
             DO UPDATE SET weight = product_pair.weight + EXCLUDED.weight, version = EXCLUDED.version`,
            ...columns,
            version,
          );
        }
        if (trending.size > 0) {
          // Trending changes touch earlier purchases too: those rows gain 0 purchases.
          const products = [...trending.keys()];
          await tx.$executeRawUnsafe(
            `INSERT INTO recommendation_schema.product_popularity (product_id, purchases, trending, version)
             SELECT p, n, t, $4 FROM unnest($1::int[], $2::int[], $3::float8[]) AS u(p, n, t)
             ON CONFLICT (product_id)
             DO UPDATE SET purchases = product_popularity.purchases + EXCLUDED.purchases,
                           trending = GREATEST(0, product_popularity.trending + EXCLUDED.trending),
                           version = EXCLUDED.version`,
            products,
            products.map((id) => popularity.get(id) ?? 0),
            products.map((id) => trending.get(id)!),
            version,
          );
        }
        await tx.$executeRawUnsafe(
          `INSERT INTO recommendation_schema.customer_tail (customer_id, products)
           SELECT customer_id, products FROM json_to_recordset($1::json) AS r(customer_id int, products int[])
           ON CONFLICT (customer_id) DO UPDATE SET products = EXCLUDED.products`,
          JSON.stringify(customerIds.map((id) => ({ customer_id: id, products: tails.get(id) }))),
        );
        await tx.$executeRawUnsafe(
          `UPDATE recommendation_schema.purchase_stats_cursor
           SET last_purchase_id = $1, purchases = purchases + $2, customers = customers + $3 WHERE id = 1`,
          version,
          learned,
          newCustomers,
        );
        return fresh.length;
      },
      { timeout: 60_000, maxWait: 60_000 },
    );
  }

  /**
   * Everything that changed after `since` (a purchase id; 0 = everything): purchase counts,
   * trending popularity and the strongest-`partners` lists of every product whose pairs changed.
   * `cursor`: the caller's read of it just before, if any (read before the rows either way).
   */
  async changesSince(since: number, partners: number, cursor?: StatsCursor): Promise<StatsChange> {
    const { lastPurchaseId: version, purchases, customers } = cursor ?? (await this.cursor());
    const rows = await this.prisma.$queryRawUnsafe<
      { product_id: number; purchases: number; trending: number }[]
    >(
      `SELECT product_id, purchases, trending FROM recommendation_schema.product_popularity WHERE version > $1`,
      since,
    );
    const popularity = new Map(rows.map((row) => [row.product_id, row.purchases]));
    const trending = new Map(rows.map((row) => [row.product_id, Number(row.trending)]));
    const lists: Record<PairKind, Map<number, PartnerList>> = { together: new Map(), next: new Map() };
    await yieldToRequests();
    const listRows =
      since === 0
        ? await this.prisma.$queryRawUnsafe<ListRow[]>(ALL_PARTNER_LISTS, 0, partners)
        : await this.changedLists(since, partners);
    for (const row of listRows) {
      lists[row.kind === 0 ? 'together' : 'next'].set(row.product_id, {
        ids: Int32Array.from(row.ids ?? []),
        weights: Float32Array.from(row.weights ?? []),
      });
    }
    return { version, purchases, customers, popularity, trending, partners: lists };
  }

  /** Rows read later may be newer than the cursor read before: the next read takes them again. */
  private async changedLists(since: number, partners: number): Promise<ListRow[]> {
    const changed = await this.prisma.$queryRawUnsafe<{ kind: number; product_id: number }[]>(
      CHANGED_PRODUCTS,
      since,
    );
    // Sized afresh per read: the table grew since the last one, which may be many seconds ago.
    const listsPerQuery = new TimedBatchSize(LISTS_QUERY_MS, LISTS_PER_QUERY_MAX, 100);
    const rows: ListRow[] = [];
    for (let at = 0; at < changed.length; ) {
      // Requests that arrived meanwhile queue their queries before the next slice.
      await yieldToRequests();
      const slice = changed.slice(at, at + listsPerQuery.current);
      const started = performance.now();
      rows.push(
        ...(await this.prisma.$queryRawUnsafe<ListRow[]>(
          PARTNER_LISTS_OF,
          slice.map((list) => list.kind),
          slice.map((list) => list.product_id),
          partners,
        )),
      );
      listsPerQuery.took(slice.length, performance.now() - started);
      at += slice.length;
    }
    return rows;
  }

  /**
   * A product left the catalog: drop its statistics, so no replica loads them again, and take it
   * out of every customer's recent products, so no later purchase is paired with it (nor makes
   * it trend again). Under the cursor's lock, as `apply`: a page applied meanwhile would write
   * back tails it read before.
   */
  async forgetProducts(productIds: readonly number[]): Promise<void> {
    if (productIds.length === 0) return;
    const ids = [...productIds];
    await this.prisma.$transaction(
      async (tx) => {
        await tx.$queryRawUnsafe(
          `SELECT 1 FROM recommendation_schema.purchase_stats_cursor WHERE id = 1 FOR UPDATE`,
        );
        await tx.$executeRawUnsafe(
          `DELETE FROM recommendation_schema.product_pair WHERE product_id = ANY($1::int[]) OR other_id = ANY($1::int[])`,
          ids,
        );
        await tx.$executeRawUnsafe(
          `DELETE FROM recommendation_schema.product_popularity WHERE product_id = ANY($1::int[])`,
          ids,
        );
        // The others keep their order (oldest first); one pass over the table, as a delete is rare.
        await tx.$executeRawUnsafe(
          `UPDATE recommendation_schema.customer_tail
           SET products = ARRAY(SELECT p FROM unnest(products) WITH ORDINALITY AS t(p, n)
                                WHERE p <> ALL($1::int[]) ORDER BY n)
           WHERE products && $1::int[]`,
          ids,
        );
      },
      // As long as `apply`'s: it may wait for a page of a bulk catch-up to be applied.
      { timeout: 60_000, maxWait: 60_000 },
    );
  }
}
