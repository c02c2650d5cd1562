import { createHash } from 'node:crypto';
import type { Embedder } from '../embedders/embedder.js';
import {
  type IndexedProduct,
  type ProductDirectory,
  sameProduct,
} from '../repositories/product-directory.js';
import { SerialQueue } from '../sync/serial-queue.js';
import { productText } from '../text/recipes.js';
import type { VectorStore } from '../vector-store/vector-store.js';

export type ProductInput = Omit<IndexedProduct, 'textHash'> & { tags: string[] };

interface UpsertOptions {
  reembed?: boolean;
  readAfter?: ReadonlySet<number>;
}

/**
 * Keeps the vector store in step with the catalog: embeds product text (the original's
 * recipe) in batches, upserts vectors, and records what was embedded. Calls are serialised
 * so two deliveries of the same product cannot interleave their writes.
 */
export class VectorSync {
  private readonly queue = new SerialQueue();
  /** Bumped on every change: caches of recommendations compare it. */
  version = 0;
  /** Told of the products whose vectors changed or went, here or at another replica. */
  onVectorsChanged: (productIds: number[]) => void = () => {};
  private readonly notes = new Set<Set<number>>();

  constructor(
    private readonly embedder: Embedder,
    private readonly store: VectorStore,
    private readonly directory: ProductDirectory,
    /** `here`: this replica deleted them; false: another replica did (and dropped what it stored). */
    private readonly onDelete: (productIds: number[], here: boolean) => void,
  ) {}

  /**
   * `reembed`: embed even products the directory lists as unchanged (the store lost them).
   * `readAfter` (a re-index's `noteWrites`): products written since keep what they have, checked
   * before embedding and again before writing (the race: docs/vector-stores.md, "Milvus", last item).
   */
  upsert(products: ProductInput[], { reembed = false, readAfter }: UpsertOptions = {}) {
    return this.queue.run(async () => {
      // Last one wins when a batch names a product twice.
      const latest = new Map(products.map((product) => [product.productId, product]));
      if (readAfter) await this.takeIn();
      const changed: { fields: Omit<ProductInput, 'tags'>; text: string; hash: string }[] = [];
      for (const input of latest.values()) {
        if (readAfter?.has(input.productId)) continue;
        const text = productText(input);
        const hash = createHash('sha256').update(text).digest('hex');
        // The input without its tags is what the store and the directory keep of a product.
        const { tags, ...fields } = input;
        const known = this.directory.get(input.productId);
        if (!reembed && known && sameProduct(known, { ...fields, textHash: hash })) continue;
        changed.push({ fields, text, hash });
      }
      if (changed.length === 0) return { upserted: latest.size, unchanged: latest.size };
      const vectors = await this.embedder.embed(changed.map((item) => item.text));
      if (readAfter) await this.takeIn();
      const written = changed.flatMap((item, i) =>
        readAfter?.has(item.fields.productId) ? [] : [{ ...item, vector: vectors[i]! }],
      );
      if (written.length > 0) {
        await this.store.upsert(written.map(({ fields, vector }) => ({ ...fields, vector })));
        await this.directory.save(written.map(({ fields, hash }) => ({ ...fields, textHash: hash })));
        this.written(written.map(({ fields }) => fields.productId));
      }
      return { upserted: latest.size, unchanged: latest.size - written.length };
    });
  }

  /**
   * Notes every product written from now on, here or (taken in) at another replica, until
   * `stopNoting`: a re-index passes the note as `readAfter`.
   */
  noteWrites(): Set<number> {
    const note = new Set<number>();
    this.notes.add(note);
    return note;
  }

  stopNoting(note: Set<number>): void {
    this.notes.delete(note);
  }

  /**
   * Whether the store holds fewer vectors than the directory lists (e.g. Milvus lost its data):
   * then a re-index must embed every product again. The directory is brought up to date first,
   * so a product another replica just wrote does not count as missing.
   */
  missingVectors(): Promise<{ stored: number; listed: number } | undefined> {
    return this.queue.run(async () => {
      await this.takeIn();
      const stored = await this.store.count();
      const listed = this.directory.size;
      return stored < listed ? { stored, listed } : undefined;
    });
  }

  delete(productIds: number[]): Promise<number> {
    return this.queue.run(async () => {
      const unique = [...new Set(productIds)];
      await this.store.delete(unique);
      await this.directory.remove(unique);
      this.onDelete(unique, true);
      this.written(unique);
      return unique.length;
    });
  }

  /**
   * Takes in what other replicas on the database wrote (catalog-service's outbox delivers a
   * product change to one of them): the directory, this replica's cached vectors and statistics
   * of deleted products, and a new `version` for the answer caches. Serialised with this
   * replica's own writes, so an older read never overwrites a newer write here.
   */
  refresh(): Promise<void> {
    return this.queue.run(() => this.takeIn());
  }

  private async takeIn(): Promise<void> {
    const changed = await this.directory.refresh();
    if (changed.length === 0) return;
    this.store.forget?.(changed);
    const deleted = changed.filter((id) => !this.directory.get(id));
    if (deleted.length > 0) this.onDelete(deleted, false);
    this.written(changed);
  }

  /** Products whose vectors changed or went: a new version for the caches, and noted. */
  private written(productIds: number[]): void {
    for (const note of this.notes) for (const id of productIds) note.add(id);
    this.version++;
    this.onVectorsChanged(productIds);
  }
}
