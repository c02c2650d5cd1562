import type { Page, Product } from '@ecom/contracts';
import { isForeignKeyViolation, isPrismaCode, retryOnWriteConflict, uniqueAsConflict } from '@ecom/db';
import { ConflictError, NotFoundError } from '@ecom/service-kit';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { ProductCreate, ProductUpdate } from '../schemas/product.js';
import { enqueueProducts, type OutboxSignal } from './outbox-writes.js';

const columns = { id: true, title: true, categoryId: true, description: true, tags: true } as const;

type ProductRow = Prisma.ProductGetPayload<{ select: typeof columns }>;

/**
 * All product storage goes through here. Every change also writes an outbox row in the same
 * transaction, so the recommendation service hears of it even if it is down right now.
 */
export class ProductRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly outbox: OutboxSignal,
  ) {}

  async list(skip: number, limit: number, categoryId?: number): Promise<Page<Product>> {
    const where = categoryId === undefined ? {} : { categoryId };
    const [rows, total] = await this.prisma.$transaction([
      this.prisma.product.findMany({ where, orderBy: { id: 'asc' }, skip, take: limit, select: columns }),
      this.prisma.product.count({ where }),
    ]);
    return { items: rows.map(toProduct), total };
  }

  async find(id: number): Promise<Product | null> {
    const row = await this.prisma.product.findUnique({ where: { id }, select: columns });
    return row ? toProduct(row) : null;
  }

  /** Throws NotFoundError for an unknown category, ConflictError for a taken title. */
  async create(data: ProductCreate): Promise<Product> {
    return (await this.write(data, (tx) => tx.product.create({ data: toData(data), select: columns })))!;
  }

  update(data: ProductUpdate): Promise<Product | null> {
    return this.write(data, (tx) =>
      tx.product.update({ where: { id: data.id }, data: toData(data), select: columns }),
    );
  }

  /** False when unknown; ConflictError while the product has purchases. */
  async delete(id: number): Promise<boolean> {
    try {
      const deleted = await this.prisma.$transaction(async (tx) => {
        const { count } = await tx.product.deleteMany({ where: { id } });
        if (count > 0) await enqueueProducts(tx, [id]);
        return count > 0;
      });
      if (deleted) this.outbox.notify();
      return deleted;
    } catch (error) {
      // The foreign key (ON DELETE RESTRICT) refuses while the product has purchases.
      if (!isForeignKeyViolation(error)) throw error;
      throw new ConflictError(`Product ${id} has purchases; it cannot be deleted while they exist`);
    }
  }

  /** Runs a create/update with its category check and outbox row in one transaction. */
  private async write(data: ProductCreate, change: (tx: Prisma.TransactionClient) => Promise<ProductRow>) {
    const categoryNotFound = () => new NotFoundError(`Category ${data.category_id} not found`);
    let row: ProductRow;
    try {
      row = await retryOnWriteConflict(() =>
        this.prisma.$transaction(async (tx) => {
          const category = await tx.category.findUnique({
            where: { id: data.category_id },
            select: { id: true },
          });
          if (!category) throw categoryNotFound();
          const changed = await change(tx);
          await enqueueProducts(tx, [changed.id]);
          return changed;
        }),
      );
    } catch (error) {
      // P2025: the product to update does not exist.
      if (isPrismaCode(error, 'P2025')) return null;
      // The category was deleted between the check and the write.
      if (isForeignKeyViolation(error)) throw categoryNotFound();
      throw uniqueAsConflict(error, `A product titled "${data.title}" already exists`);
    }
    this.outbox.notify();
    return toProduct(row);
  }
}

function toData(data: ProductCreate) {
  return { title: data.title, categoryId: data.category_id, description: data.description, tags: data.tags };
}

function toProduct({ categoryId, ...fields }: ProductRow): Product {
  return { ...fields, category_id: categoryId };
}
