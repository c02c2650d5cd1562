import { type FileHandle, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import path from 'node:path';
import { lockDirectory } from '@ecom/db';
import { type Log, silentLog } from '../../log.js';
import { SerialQueue } from '../../sync/serial-queue.js';
import { VectorStoreUnavailableError } from '../errors.js';
import { truncateUtf8 } from '../truncate-utf8.js';
import { assertIds, assertProducts, assertSearchOptions, assertVector } from '../validate.js';
import type { Neighbour, ProductVector, SearchHit, SearchOptions, VectorStore } from '../vector-store.js';
import * as records from './records.js';
import { VectorTable } from './vector-table.js';

const SNAPSHOT = 'snapshot.bin';
const HEADER = records.LOG_HEADER_BYTES;
const LOG = 'log.bin';

/**
 * Exact inner-product search in memory (VectorTable), persisted in one folder owned by one
 * process (LOCK): an append-only log, compacted into a snapshot once it outgrows it. A write is
 * acknowledged once its record is fsynced; a record torn by a crash is dropped on the next start.
 */
export class EmbeddedVectorStore implements VectorStore {
  readonly kind = 'embedded' as const;
  private readonly table: VectorTable;
  private logFile?: FileHandle;
  private logBytes = 0;
  private snapshotBytes = 0;
  private unlock?: () => Promise<void>;
  private state: 'new' | 'open' | 'closed' | 'broken' = 'new';
  private initializing?: Promise<void>;
  /** Writes (and compactions) run one at a time, in call order. */
  private readonly queue = new SerialQueue();

  constructor(
    /** Folder of this collection, e.g. `<DATA_DIR>/recommendation-service/vectors/<collection>`. */
    readonly directory: string,
    readonly collection: string,
    readonly dimension: number,
    private readonly log: Log = silentLog,
    /** Compact once the log is larger than this and than the snapshot. */
    private readonly compactMinBytes = 8 * 1024 * 1024,
  ) {
    if (endianness() !== 'LE') throw new Error('the embedded vector store files are little-endian only');
    this.table = new VectorTable(dimension);
  }

  init(): Promise<void> {
    this.initializing ??= this.load();
    return this.initializing;
  }

  async upsert(products: ProductVector[]): Promise<void> {
    this.assertOpen();
    assertProducts(products, this.dimension);
    if (products.length === 0) return;
    const rows = products.map((p) => ({
      ...p,
      productTitle: truncateUtf8(p.productTitle),
      categoryTitle: truncateUtf8(p.categoryTitle),
    }));
    await this.write(
      () => records.encodeUpsert(rows, this.dimension),
      () => {
        for (const row of rows) this.table.upsert(row);
      },
    );
  }

  async delete(productIds: number[]): Promise<void> {
    this.assertOpen();
    assertIds(productIds);
    let known: number[] = [];
    await this.write(
      () => {
        // Decided in the queue, after earlier writes applied. Unknown ids are fine, and not worth a record.
        known = productIds.filter((id) => this.table.has(id));
        return known.length > 0 ? records.encodeDelete(known) : undefined;
      },
      () => {
        for (const id of known) this.table.delete(id);
      },
    );
  }

  async search(vector: Float32Array, options: SearchOptions): Promise<SearchHit[]> {
    this.assertOpen();
    assertVector(vector, this.dimension);
    assertSearchOptions(options);
    return this.table.search(vector, options);
  }

  async nearestOf(
    products: Pick<ProductVector, 'productId' | 'vector'>[],
    limit: number,
  ): Promise<Neighbour[][]> {
    const found: Neighbour[][] = [];
    for (const { productId, vector } of products) {
      const hits = await this.search(vector, { limit, excludeProductIds: [productId] });
      found.push(hits.map((hit) => ({ productId: hit.productId, score: hit.score })));
      // Each search computes in this process: requests run between two.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return found;
  }

  async get(productIds: number[]): Promise<ProductVector[]> {
    this.assertOpen();
    assertIds(productIds);
    return this.table.getMany(new Set(productIds));
  }

  async count(): Promise<number> {
    this.assertOpen();
    return this.table.size;
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    await this.initializing?.catch(() => {});
    this.state = 'closed';
    await this.queue.idle();
    await this.logFile?.close().catch(() => {});
    this.logFile = undefined;
    await this.unlock?.();
    this.unlock = undefined;
  }

  private async load(): Promise<void> {
    const started = performance.now();
    await mkdir(this.directory, { recursive: true });
    this.unlock = await lockDirectory(this.directory);
    try {
      await rm(path.join(this.directory, `${SNAPSHOT}.tmp`), { force: true });
      const snapshotFile = path.join(this.directory, SNAPSHOT);
      const snapshot = await readIfExists(snapshotFile);
      if (snapshot) {
        const { dimension, metadata, vectors } = records.decodeSnapshot(snapshot, snapshotFile);
        this.assertDimension(dimension, snapshotFile);
        this.table.upsertRows(metadata, vectors);
        this.snapshotBytes = snapshot.length;
      }
      const { replayed, tornBytes } = await this.replayLog();
      this.state = 'open';
      this.log.info(
        {
          collection: this.collection,
          directory: this.directory,
          rows: this.table.size,
          replayed,
          tornBytes,
          ms: Math.round(performance.now() - started),
        },
        'embedded vector store loaded',
      );
      if (tornBytes > 0) {
        this.log.warn(
          { collection: this.collection, tornBytes },
          'dropped a torn record at the end of the vector log',
        );
      }
      if (this.needsCompaction()) await this.queue.run(() => this.compact());
    } catch (error) {
      await this.logFile?.close().catch(() => {});
      await this.unlock();
      this.unlock = undefined;
      this.state = 'broken';
      throw error;
    }
  }

  /**
   * Replays the log on top of the snapshot. Replaying is idempotent (upsert/delete by id), so
   * a crash between writing a snapshot and emptying the log only costs a longer replay.
   */
  private async replayLog(): Promise<{ replayed: number; tornBytes: number }> {
    const file = path.join(this.directory, LOG);
    const buffer = (await readIfExists(file)) ?? Buffer.alloc(0);
    this.logFile = await open(file, 'a');
    const header = records.readLogHeader(buffer);
    if (!header) {
      // Not a torn header but something else: refuse rather than wipe what may be data.
      if (buffer.length >= HEADER) throw new Error(`${file} is not a vector log (bad header)`);
      // New log, or a crash before its header was written: nothing in it was acknowledged.
      await this.logFile.truncate(0);
      await this.logFile.write(records.logHeader(this.dimension));
      await this.logFile.datasync();
      this.logBytes = HEADER;
      return { replayed: 0, tornBytes: buffer.length };
    }
    this.assertDimension(header.dimension, file);
    const { records: replayed, end } = records.readRecords(buffer, HEADER, this.dimension, file);
    for (const record of replayed) {
      if (record.type === records.DELETE) for (const id of record.productIds) this.table.delete(id);
      else this.table.upsertRows(record.metadata, record.vectors);
    }
    if (end < buffer.length) {
      // Appending after garbage would hide every later record from the next replay.
      await this.logFile.truncate(end);
      await this.logFile.datasync();
    }
    this.logBytes = end;
    return { replayed: replayed.length, tornBytes: buffer.length - end };
  }

  /** Appends one record, fsyncs it, then applies it in memory: readers never see unsaved data. */
  private write(build: () => Buffer | undefined, apply: () => void): Promise<void> {
    return this.queue.run(async () => {
      this.assertOpen();
      const record = build();
      if (!record) return;
      const file = this.logFile!;
      try {
        // writeFile, not write: a filling disk takes a write in part and says so only in the count.
        await file.writeFile(record);
        await file.datasync();
      } catch (cause) {
        // Cut the partly written record so later appends stay readable; if even that fails, stop writing.
        await file.truncate(this.logBytes).catch((error: unknown) => {
          this.state = 'broken';
          this.log.error({ err: error, collection: this.collection }, 'vector log is damaged; store stopped');
        });
        throw new VectorStoreUnavailableError('Vector store could not write to disk', { cause });
      }
      this.logBytes += record.length;
      apply();
      if (this.needsCompaction()) await this.compact();
    });
  }

  private needsCompaction(): boolean {
    return this.logBytes - HEADER > Math.max(this.compactMinBytes, this.snapshotBytes);
  }

  /**
   * Writes the whole table to `snapshot.bin.tmp`, fsyncs it, renames it over `snapshot.bin`
   * (atomic), fsyncs the folder, then empties the log. Failure leaves the old snapshot and the
   * full log, which together still hold everything.
   */
  private async compact(): Promise<void> {
    const started = performance.now();
    const target = path.join(this.directory, SNAPSHOT);
    const temporary = `${target}.tmp`;
    try {
      const parts = records.encodeSnapshot(this.dimension, this.table.meta, this.table.packedVectors());
      // flush: fsynced before the rename.
      await writeFile(temporary, parts, { flush: true });
      await rename(temporary, target);
      // The rename made durable too (the directory entry), not only the file contents.
      const directory = await open(this.directory, 'r');
      await directory.sync().finally(() => directory.close());
      await this.logFile!.truncate(HEADER);
      await this.logFile!.datasync();
      const logBytes = this.logBytes;
      this.logBytes = HEADER;
      this.snapshotBytes = (await stat(target)).size;
      this.log.info(
        {
          collection: this.collection,
          rows: this.table.size,
          logBytes,
          snapshotBytes: this.snapshotBytes,
          ms: Math.round(performance.now() - started),
        },
        'vector log compacted into a snapshot',
      );
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => {});
      this.log.error(
        { err: error, collection: this.collection },
        'vector snapshot failed; the log keeps the data',
      );
    }
  }

  private assertOpen(): void {
    if (this.state === 'open') return;
    throw new VectorStoreUnavailableError(
      this.state === 'new' ? 'Vector store is not initialised' : undefined,
    );
  }

  private assertDimension(dimension: number, file: string): void {
    if (dimension !== this.dimension) {
      throw new Error(`${file} holds ${dimension}-d vectors, expected ${this.dimension}`);
    }
  }
}

function readIfExists(file: string): Promise<Buffer | undefined> {
  return readFile(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}
