import { publicErrorMessage } from '@ecom/service-kit';
import type { FastifyBaseLogger } from 'fastify';
import type { CatalogClient } from '../clients/catalog-client.js';
import type { VectorSync } from './vector-sync.js';

const PAGE_SIZE = 100; // the catalog's list maximum
const EMBED_BATCH = 256;
const RETRY_DELAY_MS = 5_000;
const DELETE_BATCH = 1_000;

export interface ReindexProgress {
  state: 'idle' | 'running' | 'done' | 'failed';
  indexed: number;
  /** Vectors of products the catalog no longer has, removed by this run. */
  removed: number;
  error?: string;
}

/**
 * Re-embeds the whole catalog from catalog-service's public lists. Used when the vector
 * collection is empty at start (a new embedder means a new collection) and on demand.
 * Unchanged products are skipped by VectorSync, so running it twice costs little.
 */
export class Reindexer {
  progress: ReindexProgress = { state: 'idle', indexed: 0, removed: 0 };
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly catalog: CatalogClient,
    private readonly sync: VectorSync,
    private readonly log: FastifyBaseLogger,
  ) {}

  /**
   * Starts a run in the background unless one is already going. With `retryForMs`, a run
   * that fails (catalog-service not up yet) is retried every few seconds for that long.
   */
  start(retryForMs = 0): void {
    const deadline = Date.now() + retryForMs;
    let attempts = 0;
    const attempt = async (): Promise<void> => {
      await this.run(attempts++ === 0);
      if (this.progress.state === 'failed' && Date.now() < deadline && !this.stopped) {
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS).unref());
        if (!this.stopped) await attempt();
      }
    };
    this.running ??= attempt().finally(() => {
      this.running = undefined;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  async wait(): Promise<void> {
    await this.running;
  }

  /**
   * Removes the vectors of products the catalog's lists did not show. Each is checked by id
   * first: paging by offset while products are deleted can skip a product that still exists.
   */
  private async removeGone(candidates: number[]): Promise<number> {
    const gone: number[] = [];
    for (const id of candidates) {
      if (!(await this.catalog.hasProduct(id))) gone.push(id);
    }
    for (let start = 0; start < gone.length; start += DELETE_BATCH) {
      await this.sync.delete(gone.slice(start, start + DELETE_BATCH));
    }
    return gone.length;
  }

  /** `loud`: log a failure as a warning (the first attempt); retries stay quiet. */
  private async run(loud = true): Promise<void> {
    this.progress = { state: 'running', indexed: 0, removed: 0 };
    // Products vectorised before this run: those the catalog no longer lists are removed
    // at the end. Products added while it runs are not in this set, so they stay.
    const before = new Set(this.sync.indexedIds());
    const seen = new Set<number>();
    try {
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
          seen.add(product.id);
          batch.push({
            productId: product.id,
            productTitle: product.title,
            categoryId: product.category_id,
            categoryTitle: categories.get(product.category_id) ?? '',
            tags: product.tags,
          });
        }
        if (batch.length >= EMBED_BATCH || page.length < PAGE_SIZE) {
          await this.sync.upsert(batch);
          this.progress.indexed += batch.length;
          this.log.info({ indexed: this.progress.indexed }, 're-indexing the catalog');
          batch = [];
        }
        if (page.length < PAGE_SIZE) break;
      }
      this.progress.removed = await this.removeGone([...before].filter((id) => !seen.has(id)));
      this.progress.state = 'done';
      this.log.info({ indexed: this.progress.indexed, removed: this.progress.removed }, 're-index finished');
    } catch (err) {
      // Shown by the public /recommendation/info: our own detail, never a driver's message.
      this.progress = { ...this.progress, state: 'failed', error: publicErrorMessage(err) };
      if (loud)
        this.log.warn(
          { err },
          're-index failed; retried while catalog-service starts, else POST /recommendation/reindex',
        );
      else this.log.debug({ err }, 're-index attempt failed');
    }
  }
}
