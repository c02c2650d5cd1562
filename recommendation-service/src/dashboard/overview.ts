import { type App, parsePrometheusText, type RecentLatency } from '@ecom/service-kit';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { vectorsInfo } from '../plugins/vectors.js';

const count = z.number().nullable().describe('null when the owning service did not answer');

const cacheSchema = z.object({ hits: z.number(), misses: z.number(), hit_ratio: z.number().nullable() });

const rateFields = {
  requests_per_second: z.number(),
  p50_ms: z.number().nullable(),
  p99_ms: z.number().nullable(),
};

export const overviewSchema = z
  .object({
    customers: count,
    categories: count,
    products: count,
    purchases: count,
    vectors: z.number().nullable().describe('null when the vector store did not answer'),
    embedder: z.object({
      id: z.string(),
      model: z.string(),
      dimension: z.number(),
      store: z.string(),
      collection: z.string(),
    }),
    outbox: z
      .object({
        pending_products: z.number(),
        oldest_pending_age_seconds: z.number(),
        delivery: z
          .enum(['ok', 'failing', 'token_refused'])
          .describe(
            "ok: the last delivery succeeded (or none was due); failing: deliveries fail and are retried (catalog-service's /outbox/status says why); " +
              "token_refused: recommendation-service refuses catalog-service's INTERNAL_API_TOKEN, a configuration error: set the same token on both (docs/internal-api.md)",
          ),
        consecutive_failures: z.number(),
      })
      .nullable()
      .describe("catalog-service's product-vector sync backlog; null when it did not answer"),
    purchase_feed: z.object({
      catalog_last_purchase_id: count,
      statistics_last_purchase_id: z.number(),
      purchases_behind: count.describe('Purchase ids the statistics are behind the catalog'),
      lag_seconds: z.number().nullable().describe('Seconds since the statistics last held the whole feed'),
    }),
    answer_cache: cacheSchema.describe('Answers served from the answer cache since start'),
    history_cache: cacheSchema.describe(
      'Customer histories served without asking catalog-service since start',
    ),
    dependencies: z
      .record(z.string(), z.enum(['ok', 'unavailable']))
      .describe(
        "This service's checks, and each peer: unavailable when it does not answer or its database does not",
      ),
    latency: z.object({
      route: z.string(),
      interval_seconds: z.number(),
      window: z
        .object({ seconds: z.number(), ...rateFields })
        .nullable()
        .describe('The whole charted window at once; null until two samples exist'),
      points: z.object({ at: z.string(), ...rateFields }).array(),
    }),
  })
  .meta({
    example: {
      customers: 57,
      categories: 11,
      products: 151,
      purchases: 599,
      vectors: 151,
      embedder: {
        id: 'hashing-v1-d1024',
        model: 'hashing-v1',
        dimension: 1024,
        store: 'embedded',
        collection: 'products_hashing_v1_d1024_d1024',
      },
      outbox: { pending_products: 0, oldest_pending_age_seconds: 0, delivery: 'ok', consecutive_failures: 0 },
      purchase_feed: {
        catalog_last_purchase_id: 599,
        statistics_last_purchase_id: 599,
        purchases_behind: 0,
        lag_seconds: 1.2,
      },
      answer_cache: { hits: 40, misses: 12, hit_ratio: 0.77 },
      history_cache: { hits: 35, misses: 17, hit_ratio: 0.67 },
      dependencies: { database: 'ok', catalog_service: 'ok', user_service: 'ok' },
      latency: {
        route: 'GET /recommendation/{customer_id}',
        interval_seconds: 5,
        window: { seconds: 60, requests_per_second: 3.5, p50_ms: 4.2, p99_ms: 18.5 },
        points: [{ at: '2026-11-25T10:15:00.000Z', requests_per_second: 3.5, p50_ms: 4.2, p99_ms: 18.5 }],
      },
    },
  });
type Overview = z.infer<typeof overviewSchema>;

/** The route whose recent latency the overview charts. */
export const LATENCY_ROUTE = '/recommendation/:customer_id';

/**
 * This service's state and the other services' public `/metrics` (counts, outbox backlog): one
 * that does not answer leaves its numbers null and shows as unavailable.
 */
export async function buildOverview(app: App, deps: Deps, recent: RecentLatency): Promise<Overview> {
  const { embedder: id, ...engine } = vectorsInfo(deps);
  const [userText, catalogText, readiness, vectors] = await Promise.all([
    deps.users.metricsText().catch(() => null),
    deps.catalog.metricsText().catch(() => null),
    app.checkReadiness(),
    deps.vectorStore.count().catch(() => null),
  ]);
  const user = gaugesOf(userText);
  const catalog = gaugesOf(catalogText);
  const lastPurchaseId = catalog.get('catalog_purchases_last_id') ?? null;
  const statisticsLast = deps.coPurchases.version;
  const pending = catalog.get('catalog_outbox_pending_products');
  const window = recent.window();
  return {
    customers: user.get('user_customers') ?? null,
    categories: catalog.get('catalog_categories') ?? null,
    products: catalog.get('catalog_products') ?? null,
    purchases: catalog.get('catalog_purchases') ?? null,
    vectors,
    embedder: { id, ...engine },
    outbox: pending === undefined ? null : outboxSummary(pending, catalog),
    purchase_feed: {
      catalog_last_purchase_id: lastPurchaseId,
      statistics_last_purchase_id: statisticsLast,
      purchases_behind: lastPurchaseId === null ? null : Math.max(0, lastPurchaseId - statisticsLast),
      lag_seconds: deps.feed.caughtUpAt === null ? null : round((Date.now() - deps.feed.caughtUpAt) / 1000),
    },
    answer_cache: cacheSummary(deps.recommender.answerCache),
    history_cache: cacheSummary(deps.histories.stats),
    dependencies: {
      ...readiness,
      catalog_service: peerState(catalogText),
      user_service: peerState(userText),
    },
    latency: {
      // As an operation ("GET /recommendation/{customer_id}"), not a path: a client that
      // follows path-like values in answers (schemathesis' stateful phase) would call it.
      route: `GET ${LATENCY_ROUTE.replace(/:(\w+)/g, '{$1}')}`,
      interval_seconds: recent.intervalMs / 1000,
      window: window ? { seconds: round(window.seconds), ...rates(window) } : null,
      points: recent.points().map((point) => ({ at: new Date(point.at).toISOString(), ...rates(point) })),
    },
  };
}

/**
 * catalog-service's outbox, from its gauges: the backlog and whether deliveries fail. A refused
 * token is told apart: the outbox waits for an operator, not for this service to come back.
 */
function outboxSummary(pending: number, catalog: Map<string, number>): NonNullable<Overview['outbox']> {
  const failures = catalog.get('catalog_outbox_consecutive_failures') ?? 0;
  const delivery =
    catalog.get('catalog_outbox_token_refused') === 1 ? 'token_refused' : failures > 0 ? 'failing' : 'ok';
  return {
    pending_products: pending,
    oldest_pending_age_seconds: round(catalog.get('catalog_outbox_oldest_pending_age_seconds') ?? 0),
    delivery,
    consecutive_failures: failures,
  };
}

/**
 * A peer that answers but has lost its own database serves nothing useful: unavailable, as its
 * `dependency_up{dependency="database"}` says (its other dependencies are its own business).
 */
function peerState(text: string | null): 'ok' | 'unavailable' {
  const databaseDown = parsePrometheusText(text ?? '').some(
    (sample) =>
      sample.name === 'dependency_up' && sample.labels.dependency === 'database' && sample.value === 0,
  );
  return text === null || databaseDown ? 'unavailable' : 'ok';
}

/** Unlabelled (or first) sample of each metric name; finite values only. */
function gaugesOf(text: string | null): Map<string, number> {
  const gauges = new Map<string, number>();
  for (const sample of parsePrometheusText(text ?? '')) {
    if (!gauges.has(sample.name) && Number.isFinite(sample.value)) gauges.set(sample.name, sample.value);
  }
  return gauges;
}

function rates(rate: { requestsPerSecond: number; p50Ms: number | null; p99Ms: number | null }) {
  return {
    requests_per_second: round(rate.requestsPerSecond),
    p50_ms: rate.p50Ms === null ? null : round(rate.p50Ms),
    p99_ms: rate.p99Ms === null ? null : round(rate.p99Ms),
  };
}

function cacheSummary({ hits, misses }: { hits: number; misses: number }) {
  return { hits, misses, hit_ratio: hits + misses === 0 ? null : round(hits / (hits + misses)) };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
