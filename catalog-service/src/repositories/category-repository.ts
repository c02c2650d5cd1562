import type { Page } from '@ecom/contracts';
import { isForeignKeyViolation, isPrismaCode } from '@ecom/db';
import { ConflictError } from '@ecom/service-kit';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { OutboxSignal } from '../outbox/signal.js';
import type { Category } from '../schemas/category.js';
import { enqueueCategoryProducts } from './outbox-writes.js';

/** All category storage goes through here; routes decide status codes from what it returns. */
export class CategoryRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly outbox: OutboxSignal,
  ) {}

  async list(skip: number, limit: number): Promise<Page<Category>> {
    const [items, total] = await this.prisma.$transaction([
      this.prisma.category.findMany({ orderBy: { id: 'asc' }, skip, take: limit }),
      this.prisma.category.count(),
    ]);
    return { items, total };
  }

  find(id: number): Promise<Category | null> {
    return this.prisma.category.findUnique({ where: { id } });
  }

  async create(title: string): Promise<Category> {
    try {
      return await this.prisma.category.create({ data: { title } });
    } catch (error) {
      throw mapUniqueTitle(error, title);
    }
  }

  /** Renames and queues every product of the category for re-vectorising; null when unknown. */
  async rename(id: number, title: string): Promise<Category | null> {
    let queued = 0;
    try {
      const category = await this.prisma.$transaction(async (tx) => {
        const current = await tx.category.findUnique({ where: { id } });
        if (!current) return null;
        if (current.title === title) return current;
        const renamed = await tx.category.update({ where: { id }, data: { title } });
        queued = await enqueueCategoryProducts(tx, id);
        return renamed;
      });
      if (queued > 0) this.outbox.notify();
      return category;
    } catch (error) {
      throw mapUniqueTitle(error, title);
    }
  }

  async delete(id: number) {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const products = await tx.product.count({ where: { categoryId: id } });
        if (products > 0) return { status: 'in_use', products } as const;
        const { count } = await tx.category.deleteMany({ where: { id } });
        return count > 0 ? ({ status: 'deleted' } as const) : ({ status: 'not_found' } as const);
      });
    } catch (error) {
      // A product created in the category between the count and the delete.
      if (isForeignKeyViolation(error)) return { status: 'in_use', products: 1 } as const;
      throw error;
    }
  }
}

function mapUniqueTitle(error: unknown, title: string): unknown {
  return isPrismaCode(error, 'P2002')
    ? new ConflictError(`A category titled "${title}" already exists`)
    : error;
}
