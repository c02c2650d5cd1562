import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EmbedderIdentity } from '../src/vector-store/collection-name.js';
import { MAX_TITLE_BYTES } from '../src/vector-store/truncate-utf8.js';
import type { ProductVector, SearchHit, VectorStore } from '../src/vector-store/vector-store.js';
import { bruteForce, random, randomProducts, rankingDifference, unitVector } from './vector-store-helpers.js';

/**
 * Everything the rest of the service relies on, for any VectorStore. A harness gives each
 * test its own namespace (a temporary folder, a unique collection prefix).
 */
export interface StoreHarness {
  /** An initialised store; the same identity in the same harness reopens the same collection. */
  open(embedder: EmbedderIdentity): Promise<VectorStore>;
  /** Closes what `open` returned and removes every collection the harness created. */
  cleanup(): Promise<void>;
}

const DIM = 32;
const EMBEDDER: EmbedderIdentity = { id: 'contract-test-v1', dimension: DIM };

export function vectorStoreContract(name: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(name, () => {
    let harness: StoreHarness;
    let store: VectorStore;
    const products = randomProducts(300, DIM, 42);
    const queries = Array.from({ length: 5 }, (_, i) => unitVector(DIM, random(1000 + i)));

    beforeEach(async () => {
      harness = await makeHarness();
      store = await harness.open(EMBEDDER);
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it('is empty when new, and init is idempotent', async () => {
      await store.init();
      expect(await store.count()).toBe(0);
      expect(await store.search(queries[0]!, { limit: 5 })).toEqual([]);
      await store.ping();
    });

    it('upsert is idempotent: the same id twice is one row holding the latest data', async () => {
      const first = products[0]!;
      const second: ProductVector = {
        ...first,
        categoryId: 99,
        productTitle: 'renamed',
        categoryTitle: 'moved',
        vector: products[1]!.vector,
      };
      await store.upsert([first]);
      await store.upsert([first]);
      expect(await store.count()).toBe(1);
      // Read once before the change: what a store keeps of a read must not outlive a write.
      expect((await store.get([first.productId]))[0]).toMatchObject({ productTitle: first.productTitle });
      await store.upsert([second]);
      expect(await store.count()).toBe(1);
      const [stored] = await store.get([first.productId]);
      expect(stored).toMatchObject({
        productId: first.productId,
        categoryId: 99,
        productTitle: 'renamed',
        categoryTitle: 'moved',
      });
      expect(Array.from(stored!.vector)).toEqual(Array.from(second.vector));
      const [hit] = await store.search(second.vector, { limit: 1 });
      expect(hit).toMatchObject({ productId: first.productId, productTitle: 'renamed' });
      expect(hit!.score).toBeCloseTo(1, 5);
      await store.delete([first.productId]);
      expect(await store.get([first.productId])).toEqual([]);
    });

    it('counts upserts and deletes right away; deleting unknown ids is fine', async () => {
      await store.upsert(products.slice(0, 100));
      expect(await store.count()).toBe(100);
      await store.delete([1, 2, 3, 1_000_000]);
      expect(await store.count()).toBe(97);
      await store.delete([1_000_001]);
      await store.delete([]);
      expect(await store.count()).toBe(97);
      expect(await store.get([1, 2, 3])).toEqual([]);
      const hits = await store.search(products[0]!.vector, { limit: 100 });
      expect(hits.map((h) => h.productId)).not.toContain(1);
      await store.upsert([products[0]!]);
      expect(await store.count()).toBe(98);
    });

    it('ranks like an exact inner-product search, best first, with scores', async () => {
      await store.upsert(products);
      for (const query of queries) {
        const options = { limit: 10 };
        const hits = await store.search(query, options);
        expect(rankingDifference(hits, bruteForce(products, query, options))).toBeUndefined();
        for (let i = 1; i < hits.length; i++)
          expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
      }
    });

    it("nearestOf gives each product's nearest others, as a search excluding it would, for one or many", async () => {
      await store.upsert(products);
      const asked = products.slice(0, 40);
      for (const batch of [asked.slice(0, 1), asked]) {
        const found = await store.nearestOf(batch, 10);
        expect(found).toHaveLength(batch.length);
        for (const [i, product] of batch.entries()) {
          const expected = bruteForce(products, product.vector, {
            limit: 10,
            excludeProductIds: [product.productId],
          });
          // Ids and scores are what rankingDifference compares.
          expect(
            rankingDifference(found[i] as SearchHit[], expected),
            `product ${product.productId}`,
          ).toBeUndefined();
          expect(found[i]!.map((hit) => hit.productId)).not.toContain(product.productId);
        }
      }
      expect(await store.nearestOf([], 10)).toEqual([]);
      expect(await store.nearestOf(asked.slice(0, 2), 0)).toEqual([[], []]);
    });

    it('filters by category, by an exclusion list, and by both', async () => {
      await store.upsert(products);
      const exclude = products.filter((p) => p.productId % 3 === 0).map((p) => p.productId);
      const cases = [
        { categoryId: 2 },
        { excludeProductIds: exclude },
        { categoryId: 3, excludeProductIds: exclude },
      ];
      for (const filter of cases) {
        for (const query of queries.slice(0, 3)) {
          const options = { limit: 10, ...filter };
          const hits = await store.search(query, options);
          expect(hits.length).toBe(10);
          for (const hit of hits) {
            if (filter.categoryId !== undefined) expect(hit.categoryId).toBe(filter.categoryId);
            if (filter.excludeProductIds) expect(exclude).not.toContain(hit.productId);
          }
          expect(rankingDifference(hits, bruteForce(products, query, options))).toBeUndefined();
        }
      }
      expect(await store.search(queries[0]!, { limit: 5, categoryId: 12345 })).toEqual([]);
    });

    it('honours a long exclusion list (2,000 ids)', async () => {
      await store.upsert(products);
      // 250 stored ids plus 1,750 unknown ones: only products 251..300 may come back.
      const exclude = [
        ...Array.from({ length: 250 }, (_, i) => i + 1),
        ...Array.from({ length: 1750 }, (_, i) => 10_000 + i),
      ];
      const options = { limit: 20, excludeProductIds: exclude };
      const hits = await store.search(queries[1]!, options);
      expect(hits).toHaveLength(20);
      expect(hits.every((h) => h.productId > 250)).toBe(true);
      expect(rankingDifference(hits, bruteForce(products, queries[1]!, options))).toBeUndefined();
    });

    it('respects the limit, never repeats a product, and returns fewer when fewer match', async () => {
      await store.upsert(products.slice(0, 30));
      for (const limit of [1, 7, 30]) {
        const hits = await store.search(queries[2]!, { limit });
        expect(hits).toHaveLength(limit);
        expect(new Set(hits.map((h) => h.productId)).size).toBe(limit);
      }
      expect(await store.search(queries[2]!, { limit: 100 })).toHaveLength(30);
      expect(await store.search(queries[2]!, { limit: 0 })).toEqual([]);
      // Category 1 holds every 5th product: 6 of the first 30.
      expect(await store.search(queries[2]!, { limit: 50, categoryId: 1 })).toHaveLength(6);
    });

    it('get returns stored vectors and metadata, leaving out unknown ids', async () => {
      await store.upsert(products.slice(0, 10));
      const got = await store.get([3, 5, 777, 5]);
      expect(got.map((p) => p.productId).sort()).toEqual([3, 5]);
      for (const product of got) {
        const original = products[product.productId - 1]!;
        expect(product).toMatchObject({
          categoryId: original.categoryId,
          productTitle: original.productTitle,
          categoryTitle: original.categoryTitle,
        });
        expect(product.vector).toBeInstanceOf(Float32Array);
        expect(Array.from(product.vector)).toEqual(Array.from(original.vector));
      }
      expect(await store.get([])).toEqual([]);
    });

    it('keeps non-ASCII titles and cuts over-long ones at a character boundary', async () => {
      const long = 'é'.repeat(400); // 800 UTF-8 bytes, over the 512-byte column
      await store.upsert([
        { ...products[0]!, productTitle: 'Café ☕ 東京 🎉', categoryTitle: 'Ünïcode' },
        { ...products[1]!, productTitle: long, categoryTitle: long },
      ]);
      const [first, second] = (await store.get([1, 2])).sort((a, b) => a.productId - b.productId);
      expect(first).toMatchObject({ productTitle: 'Café ☕ 東京 🎉', categoryTitle: 'Ünïcode' });
      expect(Buffer.byteLength(second!.productTitle)).toBeLessThanOrEqual(MAX_TITLE_BYTES);
      expect(second!.productTitle).toBe('é'.repeat(MAX_TITLE_BYTES / 2));
    });

    it('survives a restart: close and reopen give the same answers', async () => {
      await store.upsert(products);
      await store.delete([7, 8, 9]);
      await store.upsert([{ ...products[9]!, productTitle: 'updated' }]);
      const before = await store.search(queries[3]!, { limit: 10, excludeProductIds: [1, 2] });
      await store.close();
      const reopened = await harness.open(EMBEDDER);
      expect(reopened.collection).toBe(store.collection);
      expect(await reopened.count()).toBe(297);
      const after = await reopened.search(queries[3]!, { limit: 10, excludeProductIds: [1, 2] });
      expect(after.map((h) => h.productId)).toEqual(before.map((h) => h.productId));
      expect(rankingDifference(after, before, 1e-6)).toBeUndefined();
      expect(await reopened.get([7, 8, 9])).toEqual([]);
      expect((await reopened.get([10]))[0]?.productTitle).toBe('updated');
    });

    it('names collections by embedder id and dimension, and never mixes two dimensions', async () => {
      const small = await harness.open({ id: EMBEDDER.id, dimension: 8 });
      const other = await harness.open({ id: 'another-embedder', dimension: DIM });
      expect(store.collection).toMatch(/_contract_test_v1_d32$/);
      expect(small.collection).toMatch(/_contract_test_v1_d8$/);
      expect(other.collection).toMatch(/_another_embedder_d32$/);
      await store.upsert(products.slice(0, 5));
      await small.upsert(randomProducts(3, 8, 7));
      expect(await store.count()).toBe(5);
      expect(await small.count()).toBe(3);
      expect(await other.count()).toBe(0);
      await expect(small.search(queries[0]!, { limit: 1 })).rejects.toThrow(RangeError);
      await expect(store.upsert([{ ...products[0]!, vector: new Float32Array(8) }])).rejects.toThrow(
        RangeError,
      );
    });

    it('rejects ids that are not safe integers (they end up in filter expressions)', async () => {
      await expect(store.search(queries[0]!, { limit: 3, excludeProductIds: [1.5] })).rejects.toThrow(
        RangeError,
      );
      await expect(store.delete([Number.NaN])).rejects.toThrow(RangeError);
      await expect(store.search(queries[0]!, { limit: -1 })).rejects.toThrow(RangeError);
    });
  });
}
