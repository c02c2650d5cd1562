import { publicErrorMessage } from '@ecom/service-kit';
import type { FastifyBaseLogger } from 'fastify';
import type { z } from 'zod';
import type { CatalogClient } from '../clients/catalog-client.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { ProductDirectory } from '../repositories/product-directory.js';
import type { infoSchema } from '../schemas/recommendations.js';
import type { VectorSync } from './vector-sync.js';

const PAGE_SIZE = 100; // the catalog's list maximum
const EMBED_BATCH = 256;
const RETRY_DELAY_MS = 5_000;
const DELETE_BATCH = 1_000;

/** How long catalog-service may be unreachable at start before it is worth a warning. */
const QUIET_START_MS = 60_000;
/** How long an at-start run is retried while catalog-service is not reachable yet. */
const START_RETRY_MS = 5 * 60_000;

/** As GET /recommendation/info shows it. `waiting`: an at-start run retrying catalog-service; `not_needed`: its outbox fills the collection. */
type ReindexProgress = z.infer<typeof infoSchema>['reindex'] & {
  state: 'idle' | 'running' | 'waiting' | 'done' | 'failed' | 'not_needed';
};

/**
 * Why a run starts: asked for (POST /recommendation/reindex); at start, for an empty collection
 * (first start, a new embedder, Milvus lost its data); at start, for a collection another
 * embedder's was written after (the outbox delivered the catalog's changes there meanwhile); or
 * at start, for a run the last process did not finish.
 */
export type ReindexTrigger = 'asked' | 'empty' | 'behind' | 'interrupted';

/**
 * Re-embeds the whole catalog from catalog-service's lists (ReindexTrigger says when).
 * VectorSync skips unchanged products.
 */
export class Reindexer {
  progress: ReindexProgress = { state: 'idle', indexed: 0, removed: 0 };
  private running: Promise<void> | undefined;
  private stopped = false;
  private again = false;
  private interruptedRunStartedAt: string | undefined;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly catalog: CatalogClient,
    private readonly sync: VectorSync,
    private readonly directory: ProductDirectory,
    private readonly log: FastifyBaseLogger,
  ) {}

  /**
   * At start: a run the last process started and did not finish (killed, stopped or failed
   * during it; the `reindex_run` row outlives it) runs again, and `progress` says so. True when
   * it does.
   */
  async resumeInterrupted(): Promise<boolean> {
    const run = await this.prisma.reindexRun.findUnique({ where: { id: 1 } });
    if (!run) return false;
    this.interruptedRunStartedAt = run.startedAt.toISOString();
    this.log.warn(
      { startedAt: this.interruptedRunStartedAt },
      'the last re-index did not finish (the service stopped or it failed); running it again',
    );
    this.start('interrupted');
    return true;
  }

  /**
   * Starts a run in the background unless one is already going. At start (not `asked`)
   * it is retried while catalog-service is not up yet; an `empty` one is skipped when the outbox
   * delivers every product.
   */
  start(trigger: ReindexTrigger = 'asked'): void {
    if (this.running) {
      // A re-index asked for while one runs (or waits for catalog-service at start-up) runs
      // in full once that one ends: the start-up one may decide the outbox covers it.
      this.again ||= trigger !== 'empty';
      return;
    }
    this.running = this.attempts(trigger).finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.start();
      }
    });
  }

  private async attempts(trigger: ReindexTrigger): Promise<void> {
    const atStart = trigger !== 'asked';
    const startedAt = Date.now();
    let warned = false;
    for (let attempt = 0; ; attempt++) {
      // With retries, catalog-service is expected to be down for the first seconds of an
      // ordered start: the first failure is info, later ones debug, and one that lasts a
      // warning (once). A single run (POST /recommendation/reindex) warns at once.
      const warn: boolean = !atStart || (!warned && Date.now() - startedAt >= QUIET_START_MS);
      warned ||= warn;
      await this.run(warn ? 'warn' : attempt === 0 ? 'info' : 'debug', trigger === 'empty');
      const retry = atStart && Date.now() < startedAt + START_RETRY_MS;
      if (this.progress.state !== 'failed' || !retry || this.stopped) return;
      this.progress.state = 'waiting';
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS).unref());
      if (this.stopped) return;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async run(level: 'info' | 'debug' | 'warn', unlessOutboxDelivers: boolean): Promise<void> {
    const interrupted = this.interruptedRunStartedAt;
    this.progress = { state: 'running', indexed: 0, removed: 0 };
    if (interrupted) this.progress.interrupted_run_started_at = interrupted;
    // A product written after this (a delivery of a change the catalog made after our read of
    // its page, maybe at another replica) is newer than what this run read: the run leaves it.
    const writtenSinceStart = this.sync.noteWrites();
    try {
      // Deleted when the job is done: a process killed before leaves it for the next start.
      await this.prisma.reindexRun.upsert({ where: { id: 1 }, create: {}, update: {} });
      // Every product is embedded again when the store lost vectors. The directory's rows stay:
      // other replicas would read deleted rows as deleted products.
      const missing = await this.sync.missingVectors();
      if (missing) {
        this.log.warn(
          missing,
          'the vector store holds fewer vectors than the database lists as embedded; embedding every product',
        );
      } else if (unlessOutboxDelivers) {
        // Whether the outbox brings every product (a first start queues the whole catalog:
        // re-indexing too would embed it twice): no product past the indexed plus pending count.
        const status = await this.catalog.outboxStatus();
        const indexed = this.directory.size;
        const pending = status.enabled ? status.pending_products : 0;
        if ((await this.catalog.products(indexed + pending, 1)).length === 0) {
          this.progress = { state: 'not_needed', indexed: 0, removed: 0 };
          await this.finished();
          this.log.info(
            { pending, indexed },
            "no re-index needed: catalog-service's outbox is delivering every product",
          );
          return;
        }
      }
      // Products vectorised before this run that the catalog no longer lists are removed at the
      // end. Products added while it runs are not in this set, so they stay.
      const unlisted = new Set(this.directory.ids());
      const categories = new Map<number, string>();
      for (let skip = 0; ; skip += PAGE_SIZE) {
        const page = await this.catalog.categories(skip, PAGE_SIZE);
        for (const category of page) categories.set(category.id, category.title);
        if (page.length < PAGE_SIZE) break;
      }
      let batch = [];
      for (let skip = 0; ; skip += PAGE_SIZE) {
        const page = await this.catalog.products(skip, PAGE_SIZE);
        for (const product of page) {
          unlisted.delete(product.id);
          batch.push({
            productId: product.id,
            productTitle: product.title,
            categoryId: product.category_id,
            categoryTitle: categories.get(product.category_id) ?? '',
            tags: product.tags,
          });
        }
        if (batch.length >= EMBED_BATCH || page.length < PAGE_SIZE) {
          await this.sync.upsert(batch, { reembed: missing !== undefined, readAfter: writtenSinceStart });
          this.progress.indexed += batch.length;
          this.log.info({ indexed: this.progress.indexed }, 're-indexing the catalog');
          batch = [];
        }
        if (page.length < PAGE_SIZE) break;
      }
      // Products the lists did not show, checked by id: offset paging during deletes can skip one.
      const gone: number[] = [];
      for (const id of unlisted) {
        if (!(await this.catalog.product(id))) gone.push(id);
      }
      for (let start = 0; start < gone.length; start += DELETE_BATCH) {
        await this.sync.delete(gone.slice(start, start + DELETE_BATCH));
      }
      this.progress.removed = gone.length;
      await this.finished();
      this.progress.state = 'done';
      this.log.info({ indexed: this.progress.indexed, removed: this.progress.removed }, 're-index finished');
    } catch (err) {
      // Shown by the public /recommendation/info: our own detail, never a driver's message.
      this.progress = { ...this.progress, state: 'failed', error: publicErrorMessage(err) };
      if (level === 'warn') {
        this.log.warn(
          { err },
          're-index failed; retried while catalog-service starts, else POST /recommendation/reindex',
        );
      } else {
        this.log[level](
          { reason: publicErrorMessage(err) },
          're-index waiting: catalog-service not up yet (expected during start-up); retrying',
        );
      }
    } finally {
      this.sync.stopNoting(writtenSinceStart);
    }
  }

  private async finished(): Promise<void> {
    await this.prisma.reindexRun.deleteMany();
    this.interruptedRunStartedAt = undefined;
  }
}
