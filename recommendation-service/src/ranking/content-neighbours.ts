import type { FastifyBaseLogger } from 'fastify';
import { CoalescedRun } from '../sync/coalesced-run.js';
import type { VectorStore } from '../vector-store/index.js';

/** One product's nearest products by vector, best first. */
export interface NeighbourList {
  ids: Int32Array;
  scores: Float32Array;
  /** No product outside the list scores more with this one (the list's last score). */
  floor: number;
}

/** More changed products than this at once: dropping every list is cheaper than mending each. */
const MEND_AT_MOST = 500;

/**
 * Each product's `size` nearest products, found once with the vector store and shared by every
 * customer who bought it: a first recommendation sums its purchases' lists instead of searching
 * the store for the customer's vector (docs/scaling.md, "The first request for a customer"), and
 * searches as before while one of them is not built yet. Memory is bounded by the catalog: 8
 * bytes per neighbour (800 bytes a product at 100).
 *
 * Built in the background for every product in the directory (`fill`: one search each, like an
 * index build). A changed product's own
 * list is dropped at once (its vector changed); in the background one search for its new vector
 * gives its new list, takes it out of the other lists and puts it back into those of its new
 * nearest products. A list that keeps a product it should drop, or misses one it should gain, for
 * the moments this takes only shifts content scores a little: a deleted product is never shown
 * (the ranking reads the product directory) and purchases are excluded apart.
 */
export class ContentNeighbours {
  private readonly lists = new Map<number, NeighbourList>();
  /** Changed since their new vectors went into the lists: mended in the background. */
  private readonly changed = new Set<number>();
  private mending: Promise<void> | undefined;
  /** Bumped by every change: a list searched across one is not kept (it may predate the change). */
  private generation = 0;
  /** Bumped whenever held lists are mended or dropped: what was ranked from them is out of date. */
  version = 0;
  private readonly filling = new CoalescedRun(() => this.fillMissing());
  private stopped = false;

  constructor(
    private readonly store: VectorStore,
    readonly size: number,
    /** The products that should have lists (the product directory). */
    private readonly productIds: () => number[],
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Builds, in the background, the lists of the products that have none. */
  fill(): void {
    void this.filling.run();
  }

  stop(): Promise<void> {
    this.stopped = true;
    return this.idle();
  }

  /** The lists held of these products (those not built yet are missing). */
  held(productIds: readonly number[]): Map<number, NeighbourList> {
    const lists = new Map<number, NeighbourList>();
    for (const productId of productIds) {
      const list = this.lists.get(productId);
      if (list) lists.set(productId, list);
    }
    return lists;
  }

  /** Products whose vectors changed or went (this replica's writes or another's). */
  productsChanged(productIds: readonly number[]): void {
    this.generation++;
    for (const id of productIds) {
      this.lists.delete(id);
      this.changed.add(id);
    }
    this.mending ??= this.mend().finally(() => {
      this.mending = undefined;
    });
  }

  /** Settles once the lists hold every change made so far and are built (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.mending) await this.mending;
    await this.filling.idle();
  }

  get count(): number {
    return this.lists.size;
  }

  private async search(productId: number, vector: Float32Array): Promise<NeighbourList> {
    return toList(await this.store.search(vector, { limit: this.size, excludeProductIds: [productId] }));
  }

  /** One search per product without a list, one at a time; says how far it got. */
  private async fillMissing(): Promise<void> {
    const missing = this.productIds().filter((id) => !this.lists.has(id));
    if (missing.length === 0 || this.stopped) return;
    const started = Date.now();
    let reported = started;
    let built = 0;
    try {
      for (let i = 0; i < missing.length && !this.stopped; i += 100) {
        const batch = missing.slice(i, i + 100).filter((id) => !this.lists.has(id));
        for (const { productId, vector } of await this.store.get(batch)) {
          if (this.stopped) break;
          const generation = this.generation;
          const list = await this.search(productId, vector);
          if (generation !== this.generation) continue; // the next fill searches it again
          this.lists.set(productId, list);
          built++;
        }
        if (Date.now() - reported > 10_000) {
          reported = Date.now();
          this.log.info({ built, products: missing.length }, 'building product neighbour lists');
        }
      }
      this.log.info({ built, ms: Date.now() - started }, 'product neighbour lists built');
    } catch (err) {
      // The store is away: lists are built on demand, and the next change fills again.
      this.log.warn({ err, built }, 'could not build product neighbour lists; they are built as needed');
    }
  }

  /** Takes the changed products out of every list, then puts each back where it now belongs. */
  private async mend(): Promise<void> {
    // Yield first: the writes of one batch arrive as one change.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.changed.size > 0) {
      const ids = [...this.changed];
      this.changed.clear();
      // Nothing held yet (an import), or a re-index: building every list anew is cheaper.
      if (this.lists.size === 0 || ids.length > MEND_AT_MOST) {
        this.lists.clear();
        this.version++;
        this.fill();
        continue;
      }
      const gone = new Set(ids);
      for (const [productId, list] of this.lists) {
        if (list.ids.some((id) => gone.has(id))) this.lists.set(productId, without(list, gone));
      }
      try {
        for (const stored of await this.store.get(ids)) {
          const list = await this.search(stored.productId, stored.vector);
          this.lists.set(stored.productId, list);
          for (let i = 0; i < list.ids.length; i++) {
            const neighbour = list.ids[i]!;
            const theirs = this.lists.get(neighbour);
            if (theirs) {
              this.lists.set(neighbour, withNeighbour(theirs, stored.productId, list.scores[i]!, this.size));
            }
          }
        }
      } catch (err) {
        // The store is away: rebuilt on demand once it answers again.
        this.log.warn({ err }, 'could not update product neighbours; they are rebuilt as they are needed');
        this.lists.clear();
      }
      this.version++;
    }
    // Lists a change kept from being kept (see `generation`), and new products.
    this.fill();
  }
}

function toList(hits: readonly { productId: number; score: number }[]): NeighbourList {
  return {
    ids: Int32Array.from(hits, (hit) => hit.productId),
    scores: Float32Array.from(hits, (hit) => hit.score),
    floor: hits.length > 0 ? hits[hits.length - 1]!.score : 0,
  };
}

function without(list: NeighbourList, gone: ReadonlySet<number>): NeighbourList {
  const ids: number[] = [];
  const scores: number[] = [];
  list.ids.forEach((id, i) => {
    if (gone.has(id)) return;
    ids.push(id);
    scores.push(list.scores[i]!);
  });
  // Whatever is left scored no more than before: the floor stays an upper bound.
  return { ids: Int32Array.from(ids), scores: Float32Array.from(scores), floor: list.floor };
}

/** The list with `id` at its place by score; the last one drops out when the list is full. */
function withNeighbour(list: NeighbourList, id: number, score: number, size: number): NeighbourList {
  const full = list.ids.length >= size;
  if (full && score <= list.floor) return list;
  let at = 0;
  while (at < list.ids.length && list.scores[at]! >= score) at++;
  const length = Math.min(size, list.ids.length + 1);
  const ids = new Int32Array(length);
  const scores = new Float32Array(length);
  ids.set(list.ids.subarray(0, at));
  scores.set(list.scores.subarray(0, at));
  ids[at] = id;
  scores[at] = score;
  ids.set(list.ids.subarray(at, length - 1), at + 1);
  scores.set(list.scores.subarray(at, length - 1), at + 1);
  // Full: the new last score bounds every product outside, the one that dropped out too.
  return { ids, scores, floor: full ? scores[length - 1]! : list.floor };
}
