import { reasonOf } from '@ecom/service-kit';
import type { FastifyBaseLogger } from 'fastify';
import { CoalescedRun } from '../sync/coalesced-run.js';
import { VectorStoreUnavailableError } from '../vector-store/errors.js';
import type { Neighbour, VectorStore } from '../vector-store/vector-store.js';
import { dot } from './vectors.js';

/** One product's nearest products by vector, best first. */
export interface NeighbourList {
  ids: Int32Array;
  scores: Float32Array;
  /** No product outside the list scores more with this one (the list's last score). */
  floor: number;
}

/** Changes quiet for this long before the lists are built again after many changed (an import). */
const QUIET_MS = 1_000;
/** A store error: the worker tries again this much later, keeping what it has. */
const RETRY_MS = 30_000;

/** Products per `nearestOf` call: Milvus Lite answers 32 for the cost of 5 searches (vector-stores.md). */
const SEARCH_BATCH = 32;

/**
 * Each product's `size` nearest products, found once and shared by every customer who bought it:
 * a first recommendation sums its purchases' lists instead of searching the store (and searches
 * while one is not built). One background worker builds the missing lists and mends them as
 * products change; how, what it misses, and memory: docs/scaling.md, "The first request", item 4.
 */
export class ContentNeighbours {
  private readonly lists = new Map<number, NeighbourList>();
  /** Changed since their new vectors went into the lists. */
  private readonly changed = new Set<number>();
  /** Listed in the directory but not in the store (yet): not searched again until they change. */
  private readonly unstored = new Set<number>();
  private readonly worker = new CoalescedRun(() => this.catchUp());
  private later: NodeJS.Timeout | undefined;
  /** Bumped when every list is dropped: what a search started before found is not kept. */
  private generation = 0;
  /** Bumped whenever held lists are mended or dropped: what was ranked from them is out of date. */
  version = 0;
  /**
   * Bumped whenever missing lists were built. Not `version`: what was ranked from the lists held
   * is still right; only what was ranked without a list that is now held should look again.
   */
  builds = 0;
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
    if (!this.stopped) void this.worker.run();
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
      this.unstored.delete(id);
      this.changed.add(id);
    }
    if (this.changed.size * 4 < this.productIds().length) {
      if (!this.later) this.fill();
      return;
    }
    this.lists.clear();
    this.changed.clear();
    this.unstored.clear();
    this.generation++;
    this.version++;
    this.runIn(QUIET_MS);
  }

  /** Settles once the lists hold every change made so far and are built (tests, shutdown). */
  async idle(): Promise<void> {
    if (this.later) {
      clearTimeout(this.later);
      this.later = undefined;
      this.fill();
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

  private runIn(delayMs: number): void {
    clearTimeout(this.later);
    if (this.stopped) return;
    this.later = setTimeout(() => {
      this.later = undefined;
      this.fill();
    }, delayMs);
  }

  /** Mends what changed first, then builds the missing lists, a batch at a time; says how far it got. */
  private async catchUp(): Promise<void> {
    const started = Date.now();
    let reported = started;
    let built = 0;
    try {
      // A pending `later` is a quiet period or a retry: wait for it.
      while (!this.stopped && !this.later) {
        if (this.changed.size > 0) {
          await this.mend();
          continue;
        }
        const missing = this.productIds().filter((id) => !this.lists.has(id) && !this.unstored.has(id));
        if (missing.length === 0) break;
        built += await this.build(missing.slice(0, 100));
        if (Date.now() - reported > 10_000) {
          reported = Date.now();
          this.log.info({ built, missing: missing.length }, 'building product neighbour lists');
        }
      }
      if (built > 0) this.log.info({ built, ms: Date.now() - started }, 'product neighbour lists built');
    } catch (err) {
      // The store is away: first requests search it as before (their lists are missing).
      // Unavailable is expected while Milvus is away (the store logs it): no stack each time.
      const why =
        err instanceof VectorStoreUnavailableError ? { reason: reasonOf(err.cause ?? err) } : { err };
      this.log.warn({ ...why, built }, 'could not build product neighbour lists; trying again in 30 s');
      this.runIn(RETRY_MS);
    }
  }

  /** Lists for these products; stops early when a change needs mending first. */
  private async build(productIds: number[]): Promise<number> {
    const generation = this.generation;
    const stored = await this.store.get(productIds);
    const found = new Set(stored.map((product) => product.productId));
    for (const id of productIds) if (!found.has(id)) this.unstored.add(id);
    let built = 0;
    for (let start = 0; start < stored.length; start += SEARCH_BATCH) {
      if (this.stopped || this.changed.size > 0 || generation !== this.generation) break;
      const batch = stored.slice(start, start + SEARCH_BATCH);
      // The embedded store lets requests run between its searches; Milvus's wait is I/O.
      const found = await this.store.nearestOf(batch, this.size);
      for (const [i, { productId }] of batch.entries()) {
        // Changed meanwhile: its list is from the old vector, and the mend searches it again.
        if (generation !== this.generation || this.changed.has(productId)) continue;
        this.lists.set(productId, toList(found[i]!));
        built++;
      }
    }
    if (built > 0) this.builds++;
    return built;
  }

  /** Moves the changed products in every list to where their new vectors belong. */
  private async mend(): Promise<void> {
    const generation = this.generation;
    const ids = [...this.changed];
    this.changed.clear();
    try {
      const stored = await this.store.get(ids);
      const vectors = new Map(stored.map((product) => [product.productId, product.vector]));
      for (const id of ids) {
        if (this.stopped || generation !== this.generation) return;
        const vector = vectors.get(id);
        if (vector) await this.place(id, vector, generation);
        else this.remove(id); // deleted
      }
    } catch (err) {
      // Mended again after the retry; meanwhile the lists hold the old scores.
      for (const id of ids) this.changed.add(id);
      throw err;
    }
    this.version++;
  }

  /** A changed product: its own list, and its score on every list that held it or now should. */
  private async place(productId: number, vector: Float32Array, generation: number): Promise<void> {
    const [hits] = await this.store.nearestOf([{ productId, vector }], this.size);
    const own = toList(hits!);
    if (generation !== this.generation) return;
    this.lists.set(productId, own);
    const scores = new Map<number, number>(
      Array.from(own.ids, (neighbour, i) => [neighbour, own.scores[i]!]),
    );
    const holders = [...this.lists.keys()].filter(
      (holder) =>
        holder !== productId && !scores.has(holder) && this.lists.get(holder)!.ids.includes(productId),
    );
    for (const { productId: holder, vector: theirs } of await this.store.get(holders)) {
      scores.set(holder, dot(vector, theirs));
    }
    if (generation !== this.generation) return;
    for (const [holder, score] of scores) {
      const list = this.lists.get(holder);
      if (list) this.keep(holder, withNeighbour(list, productId, score, this.size));
    }
  }

  private remove(productId: number): void {
    for (const [holder, list] of this.lists) {
      if (list.ids.includes(productId)) this.keep(holder, without(list, productId));
    }
  }

  /** A list that lost half its neighbours is dropped: the worker searches it again. */
  private keep(productId: number, list: NeighbourList): void {
    if (list.ids.length * 2 < this.size) this.lists.delete(productId);
    else this.lists.set(productId, list);
  }
}

function toList(hits: readonly Neighbour[]): NeighbourList {
  return {
    ids: Int32Array.from(hits, (hit) => hit.productId),
    scores: Float32Array.from(hits, (hit) => hit.score),
    floor: hits.length > 0 ? hits[hits.length - 1]!.score : 0,
  };
}

function without(list: NeighbourList, productId: number): NeighbourList {
  const at = list.ids.indexOf(productId);
  if (at < 0) return list;
  const keep = (_: number, i: number) => i !== at;
  // Whatever is left scored no more than before: the floor still bounds every product outside.
  return { ids: list.ids.filter(keep), scores: list.scores.filter(keep), floor: list.floor };
}

/**
 * The list with `id` at its place by `score` (taken off first if it was on it). Full, the last one
 * drops out and its score bounds every product outside; a score below the floor of a full list
 * leaves the product outside, where the floor bounds it.
 */
function withNeighbour(list: NeighbourList, id: number, score: number, size: number): NeighbourList {
  const rest = without(list, id);
  const full = rest.ids.length >= size;
  if (full && score <= rest.floor) return rest;
  let at = 0;
  while (at < rest.ids.length && rest.scores[at]! >= score) at++;
  // Below the whole full list yet above its floor (a list refilled after losing its last
  // neighbour keeps that one's score as its floor): it stays outside, and the floor rises to it.
  if (full && at === rest.ids.length) return { ...rest, floor: score };
  const ids = Int32Array.of(...rest.ids.subarray(0, at), id, ...rest.ids.subarray(at, size - 1));
  const scores = Float32Array.of(
    ...rest.scores.subarray(0, at),
    score,
    ...rest.scores.subarray(at, size - 1),
  );
  return { ids, scores, floor: full ? scores[scores.length - 1]! : rest.floor };
}
