import type { Category, Page } from '@ecom/contracts';
import { isForeignKeyViolation, retryOnWriteConflict, uniqueAsConflict } from '@ecom/db';
import { ConflictError } from '@ecom/service-kit';
import type { PrismaClient } from '../generated/prisma/client.js';
import { enqueueCategoryProducts, type OutboxSignal } from './outbox-writes.js';

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
      throw uniqueAsConflict(error, `A category titled "${title}" already exists`);
    }
  }

  /** Renames and queues every product of the category for re-vectorising; null when unknown. */
  async rename(id: number, title: string): Promise<Category | null> {
    let queued = 0;
    try {
      const category = await retryOnWriteConflict(() =>
        this.prisma.$transaction(async (tx) => {
          const current = await tx.category.findUnique({ where: { id } });
          if (!current) return null;
          if (current.title === title) return current;
          const renamed = await tx.category.update({ where: { id }, data: { title } });
          queued = await enqueueCategoryProducts(tx, id);
          return renamed;
        }),
      );
      if (queued > 0) this.outbox.notify();
      return category;
    } catch (error) {
      throw uniqueAsConflict(error, `A category titled "${title}" already exists`);
    }
  }

  /** False when unknown; ConflictError while the category has products. */
  async delete(id: number): Promise<boolean> {
    try {
      const { count } = await this.prisma.category.deleteMany({ where: { id } });
      return count > 0;
    } catch (error) {
      // The foreign key (ON DELETE RESTRICT) refuses while the category has products.
      if (!isForeignKeyViolation(error)) throw error;
      throw new ConflictError(`Category ${id} still has products; move or delete them first`);
    }
  }
}
