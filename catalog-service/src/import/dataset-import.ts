import { type DatasetRow, fingerprint, parseDataset, type RowIssue } from '@ecom/dataset';
import type { FastifyBaseLogger } from 'fastify';
import type { UserServiceClient } from '../clients/user-service-client.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { enqueueProducts, type OutboxSignal } from '../repositories/outbox-writes.js';
import { lockPurchaseInserts } from '../repositories/purchase-repository.js';
import { readHeldCustomers } from './held-customers.js';

/** What one import did; stored in `dataset_import` and logged. */
export type ImportSummary = ReturnType<typeof newSummary>;

const newSummary = (source: string, checksum: string) => ({
  source,
  checksum,
  /** This file content was imported before: nothing was read or written. */
  already_imported: false,
  /** Data rows read, and purchases written. */
  read: 0,
  imported: 0,
  /** Valid rows whose purchase an earlier import of the file stored. */
  skipped: 0,
  rejected: 0,
  /**
   * Rows of customers user-service never had: its seed of this file has not run yet. Not
   * imported, and the file is read again at the next start.
   */
  not_seeded_yet: 0,
  repaired: 0,
  categories_created: 0,
  products_created: 0,
  duration_ms: 0,
  /** The first MAX_STORED_ISSUES rejected or repaired rows. */
  issues: [] as RowIssue[],
  issues_truncated: false,
});

const MAX_STORED_ISSUES = 1_000;
const PROGRESS_EVERY_ROWS = 10_000;

// Whole batches travel as one JSON parameter. These constant statements (values still bound
// as parameters, never spliced in) go through $queryRawUnsafe/$executeRawUnsafe: measured
// twice as fast as the tagged-template form with a parameter of several hundred kB.
const INSERT_PRODUCTS = `
  INSERT INTO catalog_schema.product (title, category_id, description, tags)
  SELECT title, category_id, description, tags
  FROM json_to_recordset($1::json) AS r(title text, category_id int, description text, tags text[])
  ON CONFLICT ((lower(title))) DO NOTHING
  RETURNING id`;

// In file order, so purchase ids follow the file like their timestamps.
const INSERT_PURCHASES = `
  INSERT INTO catalog_schema.purchase (customer_id, product_id, purchased_at, source_key)
  SELECT customer_id, product_id, purchased_at, source_key
  FROM json_to_recordset($1::json) AS r(customer_id int, product_id int, purchased_at timestamptz, source_key text)
  ORDER BY purchased_at
  ON CONFLICT (source_key) DO NOTHING`;

/** The purchases whose product is stored in another category than the row's. */
const MOVED_PRODUCTS = `
  SELECT r.line, p.title AS product, c.title AS category
  FROM json_to_recordset($1::json) AS r(line int, product_id int, category_id int)
  JOIN catalog_schema.product p ON p.id = r.product_id
  JOIN catalog_schema.category c ON c.id = p.category_id
  WHERE p.category_id <> r.category_id`;

/** First seen since the last write. */
type Pending = ReturnType<typeof nothingPending>;
const nothingPending = () => ({
  categories: [] as string[],
  products: [] as DatasetRow[],
  purchases: [] as {
    customer_id: number;
    productKey: string;
    purchased_at: string;
    source_key: string;
    line: number;
  }[],
});

/**
 * Imports categories, products and purchases from dataset.csv, booking a row only for the
 * customer user-service holds under its user_id and name (README, "Dataset import": matching,
 * customers not seeded yet, idempotence). One `run()` per instance: it keeps the rows and
 * occurrence counts it read (app.ts runs it once, at start).
 */
export class DatasetImporter {
  /** By lower-cased title; `id` once written. */
  private readonly categories = new Map<string, { title: string; id?: number }>();
  private readonly products = new Map<string, { categoryKey: string; line: number; id?: number }>();
  private readonly occurrences = new Map<string, number>();
  private pending = nothingPending();
  private writing: Promise<void> = Promise.resolve();
  private summary!: ImportSummary;
  private running = false;
  /** What the import does now, for /readyz while it runs. */
  private phase: 'checking the file' | "reading user-service's customers" | 'reading rows' =
    'checking the file';
  private totalRows: number | null = null;
  /** user-service's customers' names by id, read before the file. */
  private customers = new Map<number, string | null>();
  /** The same customers' ids by name. */
  private readonly namesHeld = new Map<string, number>();
  /** Customers of rows not imported because user-service has not seeded them yet. */
  private readonly notSeededYet = new Set<number>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly outbox: OutboxSignal,
    private readonly users: UserServiceClient,
    private readonly log: FastifyBaseLogger,
    /** `userServiceWaitMs`: how long to wait for an unreachable user-service before failing. */
    private readonly options: { batchSize: number; userServiceWaitMs: number },
  ) {}

  get progress() {
    const { read = 0, imported = 0 } = this.summary ?? {};
    return { running: this.running, read, total: this.totalRows, imported };
  }

  /** `12000 of about 100000 rows read, 11950 purchases imported`, or the step before the rows. */
  describeProgress(): string {
    if (this.phase !== 'reading rows') return this.phase;
    const { read, total, imported } = this.progress;
    return `${read} of about ${total} rows read, ${imported} purchases imported`;
  }

  /**
   * When `signal` aborts (shutdown), the import stops before its next batch: the batch being
   * written commits (each is one transaction), the file is not marked as imported, and the next
   * start reads it again, skipping what is stored (by `source_key`), so it completes the import.
   */
  async run(path: string, signal?: AbortSignal): Promise<ImportSummary> {
    this.running = true;
    try {
      const started = Date.now();
      const { checksum, lineBreaks } = await fingerprint(path);
      signal?.throwIfAborted();
      const done = await this.prisma.datasetImport.findUnique({ where: { checksum } });
      const previous = done?.summary as unknown as ImportSummary | undefined;
      if (done && !previous?.not_seeded_yet) {
        this.log.info(
          { datasetPath: path, importedAt: done.importedAt },
          'dataset already imported; skipping',
        );
        return { ...(previous as ImportSummary), already_imported: true };
      }
      this.phase = "reading user-service's customers";
      this.customers = await readHeldCustomers(this.users, this.log, this.options.userServiceWaitMs, signal);
      for (const [id, title] of this.customers) if (title !== null) this.namesHeld.set(title, id);
      this.summary = newSummary(path, checksum);
      // An estimate while reading (header and trailing newline), exact once the file is read.
      this.totalRows = Math.max(0, lineBreaks - 1);
      this.log.info({ datasetPath: path, lines: lineBreaks }, 'importing dataset');
      // Purchases get increasing timestamps in file order, all at or before now, so "newest
      // first" is the file's order reversed and purchases made later through the API are newer.
      const lastLine = lineBreaks + 1;
      this.phase = 'reading rows';

      for await (const parsed of parseDataset(path)) {
        if (signal?.aborted) {
          // The batch being written commits (or fails) before the database closes.
          await this.writing.catch(() => {});
          signal.throwIfAborted();
        }
        const read = ++this.summary.read;
        if (parsed.kind === 'rejected') {
          this.issue(parsed.issue);
        } else {
          if (parsed.repaired) this.issue(parsed.repaired);
          this.take(parsed.row, new Date(started - (lastLine - parsed.row.line)).toISOString());
        }
        if (this.pending.purchases.length >= this.options.batchSize) await this.flush();
        if (read % PROGRESS_EVERY_ROWS === 0) {
          const rowsPerSecond = Math.round(read / ((Date.now() - started) / 1000));
          this.log.info({ read, imported: this.summary.imported, rowsPerSecond }, 'dataset import progress');
        }
      }
      await this.flush();
      await this.writing;
      this.totalRows = this.summary.read;

      this.summary.duration_ms = Date.now() - started;
      const summary = this.summary as unknown as Prisma.InputJsonObject;
      // A file read again for customers seeded since shows its latest read.
      await this.prisma.datasetImport.upsert({
        where: { checksum },
        create: { checksum, source: path, summary },
        update: previous ? { summary, importedAt: new Date() } : {},
      });
      const { issues, ...counts } = this.summary;
      this.log.info(counts, 'dataset imported');
      if (this.notSeededYet.size > 0) {
        this.log.warn(
          { rows: this.summary.not_seeded_yet, customerIds: [...this.notSeededYet].slice(0, 20) },
          "dataset rows not imported: user-service does not have their customers yet (it has not seeded this file); the file will be read again at catalog-service's next start",
        );
      }
      return this.summary;
    } finally {
      this.running = false;
    }
  }

  private issue(issue: RowIssue): void {
    this.summary[issue.action]++;
    const level = issue.action === 'rejected' ? 'warn' : 'info';
    this.log[level]({ line: issue.line, reason: issue.reason }, `dataset row ${issue.action}`);
    if (this.summary.issues.length < MAX_STORED_ISSUES) this.summary.issues.push(issue);
    else this.summary.issues_truncated = true;
  }

  private take(row: DatasetRow, purchasedAt: string): void {
    const { id, title } = row.customer;
    const held = this.customers.get(id);
    const nameHolder = this.namesHeld.get(title);
    if (held === undefined && nameHolder === undefined) {
      // user-service would seed this customer (seed.ts): wait for it rather than lose the row.
      this.summary.not_seeded_yet++;
      this.notSeededYet.add(id);
      return;
    }
    if (held !== title) {
      // user-service will never hold this customer under this id and name.
      const reason =
        held === null
          ? `customer ${id} "${title}" was deleted in user-service`
          : held === undefined
            ? `the name "${title}" belongs to customer ${nameHolder} in user-service`
            : `customer ${id} is "${held}" in user-service, not "${title}"`;
      this.issue({ line: row.line, action: 'rejected', reason });
      return;
    }
    const categoryKey = row.category.toLowerCase();
    const productKey = row.productName.toLowerCase();
    const known = this.products.get(productKey);
    if (known && known.categoryKey !== categoryKey) {
      // The API answers 422 for a purchase whose category disagrees with its product's.
      this.issue({
        line: row.line,
        action: 'rejected',
        reason: `product "${row.productName}" is in category "${this.categories.get(known.categoryKey)?.title}" (line ${known.line}), this row says "${row.category}"`,
      });
      return;
    }
    if (!this.categories.has(categoryKey)) {
      this.categories.set(categoryKey, { title: row.category });
      this.pending.categories.push(row.category);
    }
    if (!known) {
      this.products.set(productKey, { categoryKey, line: row.line });
      this.pending.products.push(row);
    }
    const pair = `${row.customer.id}:${productKey}`;
    const occurrence = (this.occurrences.get(pair) ?? 0) + 1;
    this.occurrences.set(pair, occurrence);
    this.pending.purchases.push({
      customer_id: row.customer.id,
      productKey,
      purchased_at: purchasedAt,
      source_key: `${pair}#${occurrence}`,
      line: row.line,
    });
  }

  /**
   * Hands what is pending to the writer and returns while it is written, so the file is parsed
   * during the database work. Batches go one at a time (the next may need the previous's ids).
   */
  private async flush(): Promise<void> {
    await this.writing;
    if (this.pending.purchases.length === 0 && this.pending.products.length === 0) return;
    const writing = this.write(this.pending);
    this.pending = nothingPending();
    // Its failure surfaces at the next flush or at the end; until then it is not "unhandled".
    writing.catch(() => {});
    this.writing = writing;
  }

  /** One transaction: categories, products (+ their outbox jobs), purchases. */
  private async write({ categories, products, purchases }: Pending): Promise<void> {
    let created = 0;
    const options = { timeout: 120_000, maxWait: 30_000 };
    await this.prisma.$transaction(async (tx) => {
      await lockPurchaseInserts(tx);
      if (categories.length > 0) {
        this.summary.categories_created += await tx.$executeRaw`INSERT INTO catalog_schema.category (title)
          SELECT title FROM unnest(${categories}::text[]) AS t(title)
          ON CONFLICT ((lower(title))) DO NOTHING`;
        await readIds(tx, 'category', categories, this.categories);
      }
      if (products.length > 0) {
        const records = products.map((row) => ({
          title: row.productName,
          category_id: this.categories.get(row.category.toLowerCase())?.id,
          description: row.description,
          tags: row.tags,
        }));
        const rows = await tx.$queryRawUnsafe<{ id: number }[]>(INSERT_PRODUCTS, JSON.stringify(records));
        const ids = rows.map(({ id }) => id);
        created = await enqueueProducts(tx, ids);
        const titles = records.map(({ title }) => title);
        await readIds(tx, 'product', titles, this.products);
      }
      const records = purchases.map(({ productKey, ...purchase }) => {
        const product = this.products.get(productKey);
        const category = product && this.categories.get(product.categoryKey);
        return { ...purchase, product_id: product?.id, category_id: category?.id };
      });
      // A product stored before this file (through the API, or by an earlier version of it) may
      // be in another category: the API answers such a purchase 422, so the import rejects it.
      const elsewhere = await tx.$queryRawUnsafe<{ line: number; product: string; category: string }[]>(
        MOVED_PRODUCTS,
        JSON.stringify(records),
      );
      const rejected = new Set<number>();
      for (const { line, product, category } of elsewhere) {
        rejected.add(line);
        const reason = `product "${product}" is stored in category "${category}", not in this row's`;
        this.issue({ line, action: 'rejected', reason });
      }
      const kept = records.filter((record) => !rejected.has(record.line));
      const inserted = await tx.$executeRawUnsafe(INSERT_PURCHASES, JSON.stringify(kept));
      this.summary.imported += inserted;
      this.summary.skipped += kept.length - inserted;
    }, options);
    this.summary.products_created += created;
    if (created > 0) this.outbox.notify();
  }
}

/** Sets the ids of the rows titled `titles`, created now or before (matched, not changed). */
async function readIds(
  tx: Prisma.TransactionClient,
  table: 'category' | 'product',
  titles: string[],
  byKey: Map<string, { id?: number }>,
): Promise<void> {
  const rows = await tx.$queryRaw<{ title: string; id: number }[]>`
    SELECT k.title, t.id FROM unnest(${titles}::text[]) AS k(title)
    JOIN catalog_schema.${Prisma.raw(table)} t ON lower(t.title) = lower(k.title)`;
  for (const row of rows) {
    const entry = byKey.get(row.title.toLowerCase());
    if (entry) entry.id = row.id;
  }
}
