import { describe, expect, it } from 'vitest';
import { type IndexedProduct, ProductDirectory } from '../src/repositories/product-directory.js';
import { DATABASE_KIND, useServiceDatabase } from './helper.js';

function product(productId: number, productTitle: string, categoryId = 1): IndexedProduct {
  return {
    productId,
    categoryId,
    productTitle,
    categoryTitle: `Category ${categoryId}`,
    textHash: productTitle,
  };
}

/** Two replicas' directories on one database: what one writes, the other's `refresh` takes in. */
describe(`the product directory across replicas (${DATABASE_KIND})`, () => {
  const database = useServiceDatabase('test_directory');

  it("a replica's refresh takes in the products another created, changed and deleted, and only those", async () => {
    const replicaA = new ProductDirectory(database.prisma(), 'embedder-a');
    const replicaB = new ProductDirectory(database.prisma(), 'embedder-a');
    const otherEmbedder = new ProductDirectory(database.prisma(), 'embedder-b');
    await replicaA.save([product(1, 'Lamp'), product(2, 'Desk'), product(3, 'Chair')]);
    expect((await replicaB.refresh()).sort()).toEqual([1, 2, 3]); // the first refresh loads all
    expect(await replicaA.refresh()).toEqual([]); // its own writes are in memory already

    await replicaA.save([product(2, 'Standing desk', 2), product(4, 'Shelf')]);
    await replicaA.remove([3]);
    expect((await replicaB.refresh()).sort()).toEqual([2, 3, 4]);
    expect(replicaB.get(2)).toEqual(product(2, 'Standing desk', 2));
    expect(replicaB.get(3)).toBeUndefined();
    expect(replicaB.hasCategory(2)).toBe(true);
    expect(replicaB.ids().sort()).toEqual([1, 2, 4]);
    expect(await replicaB.refresh()).toEqual([]);
    expect(await otherEmbedder.refresh()).toEqual([]);

    await replicaA.remove([1, 2, 4]);
    expect((await replicaB.refresh()).sort()).toEqual([1, 2, 4]);
    expect(replicaB.size).toBe(0);
    expect(replicaB.hasCategory(1)).toBe(false);
  });

  it('two replicas writing the same products at once both succeed (no deadlock)', async () => {
    const replicaA = new ProductDirectory(database.prisma(), 'embedder-c');
    const replicaB = new ProductDirectory(database.prisma(), 'embedder-c');
    const ids = Array.from({ length: 40 }, (_, i) => i + 1);
    for (let round = 0; round < 5; round++) {
      await Promise.all([
        replicaA.save(ids.map((id) => product(id, `A ${round}`))),
        replicaB.save(ids.toReversed().map((id) => product(id, `B ${round}`))),
        replicaA.remove(ids.filter((id) => id % 7 === round)),
      ]);
    }
    await replicaA.refresh();
    await replicaB.refresh();
    expect(replicaB.ids().sort()).toEqual(replicaA.ids().sort());
  });
});
