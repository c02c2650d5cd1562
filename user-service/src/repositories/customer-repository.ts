import type { Customer, CustomerChange, CustomerCreate, Page } from '@ecom/contracts';
import { isPrismaCode, retryOnWriteConflict, uniqueAsConflict } from '@ecom/db';
import type { PrismaClient } from '../generated/prisma/client.js';

export class CustomerRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** A page by id; `nameContains` keeps customers whose name contains it, ignoring case. */
  async list(skip: number, limit: number, nameContains?: string): Promise<Page<Customer>> {
    // Prisma's `contains` is a LIKE pattern: % and _ in the text would match anything.
    const text = nameContains?.replace(/[\\%_]/g, '\\$&');
    const where = text ? { title: { contains: text, mode: 'insensitive' as const } } : {};
    const [items, total] = await this.prisma.$transaction([
      this.prisma.customer.findMany({ where, orderBy: { id: 'asc' }, skip, take: limit }),
      this.prisma.customer.count({ where }),
    ]);
    return { items, total };
  }

  count(): Promise<number> {
    return this.prisma.customer.count();
  }

  find(id: number): Promise<Customer | null> {
    return this.prisma.customer.findUnique({ where: { id } });
  }

  async create(data: CustomerCreate): Promise<Customer> {
    try {
      return await this.prisma.customer.create({ data });
    } catch (error) {
      throw uniqueAsConflict(error, `A customer named "${data.title}" already exists`);
    }
  }

  async update(customer: Customer): Promise<Customer | null> {
    const { id, ...data } = customer;
    try {
      return await retryOnWriteConflict(() => this.prisma.customer.update({ where: { id }, data }));
    } catch (error) {
      if (isPrismaCode(error, 'P2025')) return null;
      throw uniqueAsConflict(error, `A customer named "${customer.title}" already exists`);
    }
  }

  async delete(id: number): Promise<boolean> {
    const { count } = await this.prisma.customer.deleteMany({ where: { id } });
    return count > 0;
  }

  /**
   * Customers written (created, changed or deleted) after `afterVersion`, in version order,
   * each as it is now. Versions become visible in increasing order (the trigger's lock), so a
   * follower that passes the last version it saw misses nothing.
   */
  async changes(afterVersion: number, limit: number): Promise<CustomerChange[]> {
    // A deleted customer's row is NULL (left join); json_build_object of NULLs is an object of
    // nulls, not NULL, hence the CASE.
    return this.prisma.$queryRaw<CustomerChange[]>`
      SELECT ch.version::float8 AS version, ch.customer_id, CASE WHEN c.id IS NOT NULL THEN json_build_object(
        'id', c.id, 'title', c.title, 'gender', c.gender, 'age', c.age, 'location', c.location, 'preference', c.preference
      ) END AS customer
      FROM user_schema.customer_change ch LEFT JOIN user_schema.customer c ON c.id = ch.customer_id
      WHERE ch.version > ${afterVersion}::bigint
      ORDER BY ch.version
      LIMIT ${limit}`;
  }

  /**
   * Inserts the dataset customers (with their CSV ids) whose id was never written and whose
   * name is free, and answers the others with why: an id in `customer_change` belongs to a
   * customer created through the API or seeded before, or to one deleted (who stays deleted,
   * though catalog-service keeps their purchases). A customer stored as the file has them is a
   * re-seed, not reported. Moves the id sequence past the highest id so customers created
   * through the API later do not collide; never back, so no id is given out again.
   */
  async insertMissing(customers: Customer[]) {
    const ids = customers.map(({ id }) => id);
    const titles = customers.map(({ title }) => title);
    return this.prisma.$transaction(async (tx) => {
      const written = await tx.$queryRaw<{ id: number; title: string | null }[]>`
        SELECT ch.customer_id AS id, c.title FROM user_schema.customer_change ch
        LEFT JOIN user_schema.customer c ON c.id = ch.customer_id
        WHERE ch.customer_id = ANY(${ids}::int[])`;
      const named = await tx.$queryRaw<{ id: number; title: string }[]>`
        SELECT id, title FROM user_schema.customer WHERE title = ANY(${titles}::text[])`;
      const titleById = new Map(written.map(({ id, title }) => [id, title]));
      const idByTitle = new Map(named.map(({ id, title }) => [title, id]));
      const fresh: Customer[] = [];
      const notSeeded: { id: number; reason: string }[] = [];
      for (const customer of customers) {
        const { id, title } = customer;
        const holder = titleById.get(id);
        const owner = idByTitle.get(title);
        if (holder === title) continue;
        if (holder === null) {
          notSeeded.push({
            id,
            reason: `customer ${id} was deleted; a deleted customer is not seeded again`,
          });
        } else if (holder !== undefined) {
          notSeeded.push({ id, reason: `customer ${id} is "${holder}", not "${title}"` });
        } else if (owner !== undefined) {
          notSeeded.push({ id, reason: `the name "${title}" belongs to customer ${owner}` });
        } else {
          fresh.push(customer);
          idByTitle.set(title, id);
        }
      }
      const { count } = await tx.customer.createMany({ data: fresh, skipDuplicates: true });
      await tx.$executeRaw`SELECT setval('user_schema.customer_id_seq', m.max_id)
        FROM (SELECT MAX(id) AS max_id FROM user_schema.customer) m, user_schema.customer_id_seq s
        WHERE m.max_id > CASE WHEN s.is_called THEN s.last_value ELSE s.last_value - 1 END`;
      return { inserted: count, notSeeded };
    });
  }
}
