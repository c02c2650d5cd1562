import { setImmediate as yieldToRequests } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { CatalogClient } from '../clients/catalog-client.js';
import type { Config } from '../config.js';
import { type LocalPurchases, toPurchase } from '../history/local-purchases.js';
import type { PurchaseStats } from '../ranking/purchase-stats.js';
import type { FeedPurchase, PurchaseStatsStore } from '../ranking/purchase-stats-store.js';
import type { VectorSync } from '../services/vector-sync.js';
import { CoalescedRun } from './coalesced-run.js';
import { PollingLoop } from './polling-loop.js';
import { type BatchSize, TimedBatchSize } from './timed-batch-size.js';

/**
 * Notifications arriving this close together share one read: under a burst of writes a replica
 * reads the database at most ~100 times a second, not once per purchase, for 10 ms of freshness.
 */
const NOTIFICATIONS_GATHER_MS = 10;

/**
 * During a long catch-up, memory reads what was learned at most this often, and at most once per
 * this many times as long as the last read took: reading the changed partner lists costs about as
 * much as a full load when a few pages touched most products (seconds at millions of pairs, on
 * PGlite on the thread every service shares), so a read per page made learning quadratic and held
 * every request. The end of a catch-up always reads (a single new purchase arrives at once).
 */
const CATCH_UP_REFRESH_MS = 5_000;
const CATCH_UP_REFRESH_SHARE = 5;

/**
 * How long one transaction of learned purchases should last. A feed page (PURCHASE_FEED_PAGE_SIZE)
 * is applied in parts sized to this: the cost of a purchase grows with its customer's history
 * and the pair table, so a fixed 1,000 took 0.1 s at the start of a big shop's catch-up and
 * 1-2 s at its end (one multi-row upsert of ~40,000 pairs), during which, embedded, every
 * service's requests waited (docs/benchmarks.md, "Learning while serving"). Each part is a page
 * of its own for the store (under the cursor row's lock, so never applied twice; the cursor
 * moves with it, so a restart carries on from the last part). Alone, parts learn no slower (the
 * large upserts were slower per pair); in `npm start` the catch-up took 20-55 % longer, the
 * price measured for waits of 1-2 s instead of 4-13 s (the benchmark says what is known of why).
 */
const LEARN_TRANSACTION_MS = 200;
/** Purchases in the first part, before any was timed. */
const FIRST_PART = 100;

/**
 * Follows catalog-service's purchase feed into the statistics and the purchase copy from their
 * stored cursors (a restart carries on), and brings memory up to what any replica learned
 * (purchases, and the product changes catalog-service's outbox delivered to another replica):
 * at each tick, and at once when another replica's write is notified (`notified`).
 */
export class PurchaseFeed extends PollingLoop {
  /** When the statistics last held every purchase the feed had (null: not yet). */
  caughtUpAt: number | null = null;
  /** When this replica last saw the customers' purchase copy hold every purchase (null: not yet). */
  copiedAt: number | null = null;

  /** Other replicas' product changes, taken in one run at a time. */
  private readonly productChanges: CoalescedRun<void> | undefined;
  /** The database read into memory, one run at a time (a tick's and a notification's). */
  private readonly refreshes = new CoalescedRun(() => this.readDatabase());
  /** What notifications named since the last read they asked for, and its timer. */
  private notifiedKinds = new Set<string>();
  private gathering: NodeJS.Timeout | undefined;

  constructor(
    private readonly catalog: CatalogClient,
    private readonly store: PurchaseStatsStore,
    private readonly stats: PurchaseStats,
    /** Filled from the same pages (its own cursor). */
    private readonly copy: LocalPurchases,
    /** Other replicas' product changes (absent: no other replica shares this vector store). */
    products: Pick<VectorSync, 'refresh'> | undefined,
    private readonly config: Config,
    /** false: only read what other replicas learn (never call the catalog's feed). */
    private readonly learn: boolean,
    log: FastifyBaseLogger,
    /** How many purchases of a page one transaction learns (tests: sizes of their choosing). */
    private readonly parts: BatchSize = new TimedBatchSize(
      LEARN_TRANSACTION_MS,
      config.PURCHASE_FEED_PAGE_SIZE,
      FIRST_PART,
    ),
  ) {
    super(log);
    this.productChanges = products && new CoalescedRun(() => products.refresh());
  }

  /**
   * Brings the memory copy up to date with the database (whoever wrote it). Returns where the feed
   * goes on: the copy's cursor when it is behind (a database older than the copy), as the
   * statistics skip what they have.
   */
  refresh(): Promise<number> {
    return this.refreshes.run();
  }

  /**
   * Another replica wrote `what` ('products', 'purchases'; anything else: maybe both) and the
   * database notified it: take it in now rather than at the next tick.
   */
  notified(what: string): void {
    if (this.stopping) return;
    this.notifiedKinds.add(what);
    this.gathering ??= setTimeout(() => this.takeInNotified(), NOTIFICATIONS_GATHER_MS);
  }

  private takeInNotified(): void {
    const kinds = [...this.notifiedKinds];
    this.notifiedKinds.clear();
    this.gathering = undefined;
    if (this.stopping) return;
    if (kinds.some((what) => what !== 'purchases')) this.refreshProducts();
    if (kinds.some((what) => what !== 'products')) {
      this.refresh().catch((err: unknown) =>
        this.log.debug({ err }, "could not take in other replicas' purchases"),
      );
    }
  }

  private async readDatabase(): Promise<number> {
    const copied = await this.copy.refresh();
    // Embedded, queries one after the other hold the thread every service shares as one piece.
    await yieldToRequests();
    const cursor = await this.store.cursor();
    if (cursor.lastPurchaseId !== this.stats.version) {
      this.stats.update(await this.store.changesSince(this.stats.version, this.config.RANK_PARTNERS, cursor));
    }
    return Math.min(cursor.lastPurchaseId, copied);
  }

  /** Pulls every purchase not yet in the statistics. Returns how many this replica applied. */
  async catchUp(): Promise<number> {
    let from = await this.refresh();
    let applied = 0;
    let unread = false;
    let refreshedAt = Date.now();
    let refreshMs = 0;
    try {
      for (;;) {
        const page = await this.catalog.purchasesAfter(from, this.config.PURCHASE_FEED_PAGE_SIZE);
        if (page.length === 0) break;
        if (page.length === this.config.PURCHASE_FEED_PAGE_SIZE) this.stats.catchingUp = true;
        applied += await this.learnPage(
          page.map((p) => ({ id: p.id, customerId: p.customer_id, productId: p.product_id })),
        );
        await this.copy.copy(page.map((p) => toPurchase({ ...p, purchase_id: p.id })));
        unread = true;
        if (Date.now() - refreshedAt >= Math.max(CATCH_UP_REFRESH_MS, refreshMs * CATCH_UP_REFRESH_SHARE)) {
          const started = Date.now();
          from = await this.refresh();
          unread = false;
          refreshedAt = Date.now();
          refreshMs = refreshedAt - started;
        } else {
          from = await this.databaseCursor();
        }
        if (applied >= 50_000 && applied % 50_000 < this.config.PURCHASE_FEED_PAGE_SIZE) {
          this.log.info(
            { applied, lastPurchaseId: page[page.length - 1]!.id },
            'learning purchase statistics',
          );
        }
        if (page.length < this.config.PURCHASE_FEED_PAGE_SIZE || this.stopping) break;
        // On PGlite every service shares this thread and the one session: requests that arrived
        // during the page queue their queries before the next page's transaction.
        await yieldToRequests();
      }
      if (unread) await this.refresh();
    } finally {
      // Also when a page fails (catalog away): answers made from now on may lag again.
      this.stats.catchingUp = false;
    }
    if (!this.stopping) this.copiedAt = Date.now();
    return applied;
  }

  /** Applies a feed page in parts of about LEARN_TRANSACTION_MS each; returns how many this replica applied. */
  private async learnPage(page: readonly FeedPurchase[]): Promise<number> {
    let applied = 0;
    for (let at = 0; at < page.length && !this.stopping; ) {
      const part = page.slice(at, at + this.parts.current);
      const started = performance.now();
      applied += await this.store.apply(part);
      this.parts.took(part.length, performance.now() - started);
      at += part.length;
      // Requests that arrived during the part queue their queries before the next statement.
      await yieldToRequests();
    }
    return applied;
  }

  /**
   * Where the feed goes on, as `refresh` returns it, without reading into memory: the statistics'
   * and the copy's cursors in the database (another replica may have gone further).
   */
  private async databaseCursor(): Promise<number> {
    const [stats, copied] = await Promise.all([this.store.cursor(), this.copy.cursor()]);
    return Math.min(stats.lastPurchaseId, copied);
  }

  override async stop(): Promise<void> {
    await super.stop();
    clearTimeout(this.gathering);
    await this.productChanges?.idle();
    await this.refreshes.idle();
  }

  /**
   * Takes in other replicas' product changes. It queues behind this replica's embedding (VectorSync
   * is serialised): awaited, a re-index would hold the purchases back.
   */
  private refreshProducts(): void {
    this.productChanges
      ?.run()
      // Postgres away: the purchase feed fails too and says so; the next poll tries again.
      .catch((err: unknown) => this.log.debug({ err }, "could not take in other replicas' product changes"));
  }

  /** One poll; returns when the next is due: the interval, or a growing back-off while failing. */
  protected async tick(): Promise<number> {
    this.refreshProducts();
    try {
      let applied = 0;
      if (this.learn) applied = await this.catchUp();
      else await this.refresh();
      if (!this.stopping) this.caughtUpAt = Date.now();
      if (applied > 0) this.log.debug({ applied, ...this.stats.size }, 'purchase statistics updated');
      this.succeeded('catalog-service purchase feed reachable again');
    } catch (err) {
      this.failed(err, 'purchase feed unavailable for a while; retrying');
      // catalog-service starts after this service (npm start, compose): a feed not there yet is
      // info. `failed` has counted this failure: 1 is the first of an outage.
      if (this.failures === 1) {
        this.log.info(
          { reason: err instanceof Error ? err.message : String(err) },
          'purchase feed not ready yet (catalog-service starting or away); retrying',
        );
      }
      // What other replicas learned still arrives while the catalog is away.
      await this.refresh().catch(() => {});
    }
    const interval = this.config.PURCHASE_SYNC_INTERVAL_MS;
    return this.failures > 0 ? Math.min(interval * 2 ** Math.min(this.failures, 5), 30_000) : interval;
  }
}
