import type { PrismaClient } from '../generated/prisma/client.js';

export interface IndexedProduct {
  productId: number;
  categoryId: number;
  productTitle: string;
  categoryTitle: string;
  textHash: string;
}

/**
 * The products in the current embedder's vector collection, kept in Postgres and mirrored
 * in memory: the request path reads titles and categories of co-purchase candidates from
 * here, and vector sync skips products whose text did not change.
 */
export class ProductDirectory {
  private readonly products = new Map<number, IndexedProduct>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly embedderId: string,
  ) {}

  async load(): Promise<void> {
    const rows = await this.prisma.indexedProduct.findMany({ where: { embedderId: this.embedderId } });
    this.products.clear();
    for (const row of rows) this.products.set(row.productId, toIndexed(row));
  }

  get size(): number {
    return this.products.size;
  }

  get(productId: number): IndexedProduct | undefined {
    return this.products.get(productId);
  }

  has(productId: number): boolean {
    return this.products.has(productId);
  }

  async save(products: IndexedProduct[]): Promise<void> {
    if (products.length === 0) return;
    await this.prisma.$transaction(
      products.map((product) =>
        this.prisma.indexedProduct.upsert({
          where: { embedderId_productId: { embedderId: this.embedderId, productId: product.productId } },
          create: { embedderId: this.embedderId, ...product },
          update: product,
        }),
      ),
    );
    for (const product of products) this.products.set(product.productId, product);
  }

  async remove(productIds: number[]): Promise<number> {
    if (productIds.length === 0) return 0;
    const { count } = await this.prisma.indexedProduct.deleteMany({
      where: { embedderId: this.embedderId, productId: { in: productIds } },
    });
    for (const id of productIds) this.products.delete(id);
    return count;
  }

  /** Forget everything (the collection was found empty: its bookkeeping is stale). */
  async clear(): Promise<void> {
    await this.prisma.indexedProduct.deleteMany({ where: { embedderId: this.embedderId } });
    this.products.clear();
  }
}

function toIndexed(row: IndexedProduct): IndexedProduct {
  return {
    productId: row.productId,
    categoryId: row.categoryId,
    productTitle: row.productTitle,
    categoryTitle: row.categoryTitle,
    textHash: row.textHash,
  };
}
