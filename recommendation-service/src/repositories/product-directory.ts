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
  /** Products per category: tells a category filter that matches nothing from a typo. */
  private readonly categories = new Map<number, number>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly embedderId: string,
  ) {}

  /** Once, at boot, on a new directory (it adds to the maps, it does not clear them). */
  async load(): Promise<void> {
    const rows = await this.prisma.indexedProduct.findMany({
      where: { embedderId: this.embedderId },
      omit: { embedderId: true, updatedAt: true },
    });
    for (const row of rows) this.put(row);
  }

  get size(): number {
    return this.products.size;
  }

  get(productId: number): IndexedProduct | undefined {
    return this.products.get(productId);
  }

  hasCategory(categoryId: number): boolean {
    return (this.categories.get(categoryId) ?? 0) > 0;
  }

  ids(): number[] {
    return [...this.products.keys()];
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
    for (const product of products) this.put(product);
  }

  async remove(productIds: number[]): Promise<void> {
    if (productIds.length === 0) return;
    await this.prisma.indexedProduct.deleteMany({
      where: { embedderId: this.embedderId, productId: { in: productIds } },
    });
    for (const id of productIds) this.drop(id);
  }

  /** Forget everything (the collection was found empty: its bookkeeping is stale). */
  async clear(): Promise<void> {
    await this.prisma.indexedProduct.deleteMany({ where: { embedderId: this.embedderId } });
    this.products.clear();
    this.categories.clear();
  }

  private put(product: IndexedProduct): void {
    this.drop(product.productId);
    this.products.set(product.productId, product);
    this.categories.set(product.categoryId, (this.categories.get(product.categoryId) ?? 0) + 1);
  }

  private drop(productId: number): void {
    const known = this.products.get(productId);
    if (!known) return;
    this.products.delete(productId);
    const left = (this.categories.get(known.categoryId) ?? 1) - 1;
    if (left > 0) this.categories.set(known.categoryId, left);
    else this.categories.delete(known.categoryId);
  }
}
