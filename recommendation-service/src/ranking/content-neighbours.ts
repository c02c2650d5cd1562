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

/** Changes quiet for this long before the lists are built again after many changed (an import). */
const QUIET_MS = 1_000;

/**
 * Each product's `size` nearest products, found once with the vector store and shared by every
 * customer who bought it: a first recommendation sums its purchases' lists instead of searching
 * the store for the customer's vector (docs/scaling.md, "The first request for a customer"), and
 * searches as before while one of them is not built yet. Memory is bounded by the catalog: 8
 * bytes per neighbour (800 bytes a product at 100).
 *
 * One background worker, so a list is never stored behind a change it missed:
 * - builds the lists of the products that have none, one search each (like an index build);
 * - mends them as products change: a changed product's own list is dropped at once (its vector
 *   is new); one search for its new vector gives its new list, takes it out of the other lists and
 *   puts it into those of its new nearest products. A list that still holds a product it should
 *   drop, or misses one it should gain, only shifts content scores a little: a deleted product is
 *   never shown (the ranking reads the product directory) and purchases are excluded apart;
 * - when a quarter of the lists or more changed at once (an import, a re-index), drops them all
 *   and builds them again once the changes have been quiet for a second.
 */
export class ContentNeighbours {
  private readonly lists = new Map<number, NeighbourList>();
  /** Changed since their new vectors went into the lists. */
  private readonly changed = new Set<number>();
  private readonly worker = new CoalescedRun(() => this.catchUp());
  private quiet: NodeJS.Timeout | undefined;
  /** Bumped when every list is dropped: a search started before is not kept. */
  private generation = 0;
  /** Bumped whenever held lists are mended or dropped: what was ranked from them is out of date. */
  version = 0;
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
    void this.worker.run();
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
    for (const id of productIds) {
      this.lists.delete(id);
      this.changed.add(id);
    }
    if (this.changed.size * 4 < this.lists.size) {
      this.fill();
      return;
    }
    this.dropAll(QUIET_MS);
  }

  /** Drops every list (searches in flight are not kept) and builds them again after `delayMs`. */
  private dropAll(delayMs: number): void {
    this.lists.clear();
    this.changed.clear();
    this.generation++;
    this.version++;
    clearTimeout(this.quiet);
    if (this.stopped) return;
    this.quiet = setTimeout(() => {
      this.quiet = undefined;
      this.fill();
    }, delayMs);
  }

  /** Settles once the lists hold every change made so far and are built (tests, shutdown). */
  async idle(): Promise<void> {
    if (this.quiet) {
      clearTimeout(this.quiet);
      this.quiet = undefined;
      if (!this.stopped) this.fill();
    }
    await this.worker.idle();
  }

  stop(): Promise<void> {
    this.stopped = true;
    return this.idle();
  }

  get count(): number {
    return this.lists.size;
  }

  /** Mends what changed first, then builds the missing lists, a batch at a time; says how far it got. */
  private async catchUp(): Promise<void> {
    const started = Date.now();
    let reported = started;
    let built = 0;
    try {
      while (!this.stopped) {
        if (this.changed.size > 0) {
          await this.mend();
          continue;
        }
        const missing = this.productIds().filter((id) => !this.lists.has(id));
        if (missing.length === 0) break;
        built += await this.build(missing.slice(0, 100));
        if (Date.now() - reported > 10_000) {
          reported = Date.now();
          this.log.info({ built, missing: missing.length }, 'building product neighbour lists');
        }
      }
      if (built > 0) this.log.info({ built, ms: Date.now() - started }, 'product neighbour lists built');
    } catch (err) {
      // The store is away: first requests search it as before until the lists are built again.
      this.log.warn({ err, built }, 'could not build product neighbour lists; trying again in 30 s');
      this.dropAll(30_000);
    }
  }

  /** Lists for these products; stops early when a change needs mending first. */
  private async build(productIds: number[]): Promise<number> {
    const generation = this.generation;
    let built = 0;
    for (const { productId, vector } of await this.store.get(productIds)) {
      if (this.stopped || this.changed.size > 0 || generation !== this.generation) break;
      const list = await this.search(productId, vector);
      if (generation !== this.generation) break;
      this.lists.set(productId, list);
      built++;
    }
    return built;
  }

  /** Takes the changed products out of every list, then puts each back where it now belongs. */
  private async mend(): Promise<void> {
    const ids = [...this.changed];
    this.changed.clear();
    const gone = new Set(ids);
    for (const [productId, list] of this.lists) {
      if (list.ids.some((id) => gone.has(id))) this.lists.set(productId, without(list, gone));
    }
    // Gone from the store: deleted.
    for (const { productId, vector } of await this.store.get(ids)) {
      const list = await this.search(productId, vector);
      this.lists.set(productId, list);
      for (let i = 0; i < list.ids.length; i++) {
        const neighbour = list.ids[i]!;
        const theirs = this.lists.get(neighbour);
        if (theirs) this.lists.set(neighbour, withNeighbour(theirs, productId, list.scores[i]!, this.size));
      }
    }
    this.version++;
  }

  private async search(productId: number, vector: Float32Array): Promise<NeighbourList> {
    return toList(await this.store.search(vector, { limit: this.size, excludeProductIds: [productId] }));
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
