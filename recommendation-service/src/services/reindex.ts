import { publicErrorMessage } from '@ecom/service-kit';
import type { FastifyBaseLogger } from 'fastify';
import type { CatalogClient } from '../clients/catalog-client.js';
import type { VectorSync } from './vector-sync.js';

const PAGE_SIZE = 100; // the catalog's list maximum
const EMBED_BATCH = 256;
const RETRY_DELAY_MS = 5_000;

export interface ReindexProgress {
  state: 'idle' | 'running' | 'done' | 'failed';
  indexed: number;
  error?: string;
}

/**
 * Re-embeds the whole catalog from catalog-service's public lists. Used when the vector
 * collection is empty at start (a new embedder means a new collection) and on demand.
 * Unchanged products are skipped by VectorSync, so running it twice costs little.
 */
export class Reindexer {
  progress: ReindexProgress = { state: 'idle', indexed: 0 };
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

  /** `loud`: log a failure as a warning (the first attempt); retries stay quiet. */
  private async run(loud = true): Promise<void> {
    this.progress = { state: 'running', indexed: 0 };
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
      this.progress.state = 'done';
      this.log.info({ indexed: this.progress.indexed }, 're-index finished');
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
