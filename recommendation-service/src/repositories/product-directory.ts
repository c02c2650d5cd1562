import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { ProductVector } from '../vector-store/vector-store.js';

/** What the vector store keeps of a product besides its vector, and the hash of the text embedded. */
export type IndexedProduct = Omit<ProductVector, 'vector'> & { textHash: string };

/** The lock the change trigger takes (see the migration). */
const CHANGE_LOCK = `SELECT pg_advisory_xact_lock(hashtext('recommendation_schema.indexed_product_change'))::text`;

type Nullable<T> = { [K in keyof T]: T[K] | null } & { productId: number };

function isIndexed(row: Nullable<IndexedProduct>): row is IndexedProduct {
  return row.textHash !== null;
}

/** Whether two entries show and embed the same (vector sync skips unchanged products). */
export function sameProduct(a: IndexedProduct, b: IndexedProduct): boolean {
  return (
    a.textHash === b.textHash &&
    a.categoryId === b.categoryId &&
    a.productTitle === b.productTitle &&
    a.categoryTitle === b.categoryTitle
  );
}

/**
 * The products in the current embedder's vector collection, kept in Postgres and mirrored
 * in memory: the request path reads titles and categories of co-purchase candidates from
 * here, and vector sync skips products whose text did not change. Other replicas' writes
 * arrive through `refresh` (a trigger records every write in indexed_product_change).
 */
export class ProductDirectory {
  private readonly products = new Map<number, IndexedProduct>();
  /** Products per category: tells a category filter that matches nothing from a typo. */
  private readonly categories = new Map<number, number>();
  /** The last change read (indexed_product_change.version). */
  private lastChange = 0;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly embedderId: string,
  ) {}

  /**
   * Brings memory up to the database: the products written (by this replica or another on the
   * same database) since the last call, in the order they were written; the first call loads
   * all. Returns the ids whose entry here changed (added, altered or removed).
   */
  async refresh(): Promise<number[]> {
    // A product deleted since keeps its change row: the join finds no product (null fields).
    const rows = await this.prisma.$queryRawUnsafe<(Nullable<IndexedProduct> & { version: number })[]>(
      `SELECT c.version::float8 AS version, c.product_id AS "productId", p.category_id AS "categoryId",
              p.product_title AS "productTitle", p.category_title AS "categoryTitle", p.text_hash AS "textHash"
       FROM recommendation_schema.indexed_product_change c
       LEFT JOIN recommendation_schema.indexed_product p
         ON p.embedder_id = c.embedder_id AND p.product_id = c.product_id
       WHERE c.embedder_id = $1 AND c.version > $2::bigint ORDER BY c.version`,
      this.embedderId,
      this.lastChange,
    );
    const changed: number[] = [];
    for (const { version, ...row } of rows) {
      this.lastChange = version;
      const known = this.products.get(row.productId);
      if (!isIndexed(row)) {
        if (known) changed.push(row.productId);
        this.drop(row.productId);
      } else if (!known || !sameProduct(known, row)) {
        changed.push(row.productId);
        this.put(row);
      }
    }
    return changed;
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

  /**
   * Whether the collection written last is another embedder's and holds the catalog otherwise
   * (a product added, gone, or with other text or category): the outbox delivered there meanwhile
   * (docs/embedders.md). Text hashes do not depend on the embedder: the directories compare directly.
   */
  async behindAnotherEmbedder(): Promise<boolean> {
    const [answer] = await this.prisma.$queryRawUnsafe<{ behind: boolean | null }[]>(
      `WITH latest AS (
         SELECT embedder_id, max(version) AS version FROM recommendation_schema.indexed_product_change
         GROUP BY embedder_id ORDER BY version DESC LIMIT 1),
       ours AS (SELECT product_id, category_id, text_hash FROM recommendation_schema.indexed_product WHERE embedder_id = $1),
       theirs AS (SELECT product_id, category_id, text_hash FROM recommendation_schema.indexed_product
                  WHERE embedder_id = (SELECT embedder_id FROM latest))
       SELECT (SELECT embedder_id FROM latest) <> $1 AND EXISTS (
         SELECT 1 FROM ours FULL JOIN theirs USING (product_id)
         WHERE ours.text_hash IS DISTINCT FROM theirs.text_hash
            OR ours.category_id IS DISTINCT FROM theirs.category_id) AS behind`,
      this.embedderId,
    );
    return answer?.behind === true;
  }

  async save(products: IndexedProduct[]): Promise<void> {
    if (products.length === 0) return;
    await this.write(
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
    await this.write([
      this.prisma.indexedProduct.deleteMany({
        where: { embedderId: this.embedderId, productId: { in: productIds } },
      }),
    ]);
    for (const id of productIds) this.drop(id);
  }

  /**
   * One transaction that takes the change trigger's lock before any row lock: otherwise two
   * replicas writing the same products in another order each wait for the other (a deadlock).
   */
  private write(operations: Prisma.PrismaPromise<unknown>[]) {
    return this.prisma.$transaction([this.prisma.$queryRawUnsafe(CHANGE_LOCK), ...operations]);
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
