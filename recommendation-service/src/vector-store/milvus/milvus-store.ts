import { setTimeout as sleep } from 'node:timers/promises';
import { OutageLog, reasonOf } from '@ecom/service-kit';
import { ConsistencyLevelEnum, DataType, type FieldType, MilvusClient } from '@zilliz/milvus2-sdk-node';
import { LRUCache } from 'lru-cache';
import { type Log, silentLog } from '../../log.js';
import type { MilvusConfig } from '../config.js';
import { VectorStoreUnavailableError } from '../errors.js';
import { MAX_TITLE_BYTES, truncateUtf8 } from '../truncate-utf8.js';
import { assertIds, assertProducts, assertSearchOptions, assertVector } from '../validate.js';
import type { Neighbour, ProductVector, SearchHit, SearchOptions, VectorStore } from '../vector-store.js';
import {
  COLLECTION_MISSING,
  checkStatus,
  type MilvusStatus,
  MilvusStatusError,
  NOT_LOADED,
  toStoreError,
  withDeadline,
} from './milvus-connection.js';
import { INDEX_PARAMS, type IndexType, searchParams } from './milvus-index.js';

const F = {
  productId: 'product_id',
  categoryId: 'category_id',
  productTitle: 'product_title',
  categoryTitle: 'category_title',
  vector: 'vector',
} as const;
const META_FIELDS = [F.productId, F.categoryId, F.productTitle, F.categoryTitle];
/** Ids per `product_id in [...]` expression for get/delete. */
const IDS_PER_EXPRESSION = 1000;

/** Product vectors in a Milvus collection (or Milvus Lite): docs/vector-stores.md, "Milvus". */
export class MilvusVectorStore implements VectorStore {
  readonly kind = 'milvus' as const;
  private readonly client: MilvusClient;
  private connected: Promise<void>;
  private closed = false;
  private initializing?: Promise<void>;
  /** What the server really has (an existing index wins over the configured type). */
  private indexType: IndexType = 'HNSW';
  private flushDelayMs = 0;
  private flushTimer?: NodeJS.Timeout;
  /**
   * Vectors `get` read lately: a customer's first recommendation needs those of their purchases,
   * and on Milvus Lite each query is milliseconds of Python. 4 MiB per 1,000 vectors at 1,024
   * dimensions; writes here drop entries, and so does another replica's change (`forget`, at the next feed tick).
   */
  private readonly vectors = new LRUCache<number, ProductVector>({ max: 4_096, ttl: 60_000 });
  /** Counts writes: a read that overlapped one does not cache what it read (it may be older). */
  private writes = 0;
  /** Decides when a failure to reach Milvus is worth a log line. */
  private readonly outage = new OutageLog();
  onSetUp?: (created: boolean) => void;

  constructor(
    private readonly config: MilvusConfig,
    readonly collection: string,
    readonly dimension: number,
    private readonly log: Log = silentLog,
  ) {
    // Timeouts, retry, telemetry, backoff and keepalive: docs/vector-stores.md, "Connection handling".
    // The constructor sends `Connect`: watch() handles its rejection (unhandled, it kills the process).
    this.client = new MilvusClient({
      address: config.MILVUS_ADDRESS,
      token: config.MILVUS_TOKEN,
      database: config.MILVUS_DATABASE,
      timeout: config.MILVUS_TIMEOUT_MS,
      maxRetries: 1,
      retryDelay: 50,
      telemetry: { enabled: false },
      // Milvus Lite answers idle pings with GOAWAY: https://github.com/grpc/grpc/blob/master/doc/keepalive.md
      channelOptions: {
        'grpc.initial_reconnect_backoff_ms': 250,
        'grpc.max_reconnect_backoff_ms': 2_000,
        'grpc.keepalive_time_ms': 300_000,
        'grpc.keepalive_permit_without_calls': 0,
      },
      logLevel: 'warn',
    });
    this.connected = this.watch();
  }

  /** Run before every operation too: Milvus may have been down at boot, so it is set up on first use. */
  init(): Promise<void> {
    this.initializing ??= this.setUp().catch((error: unknown) => {
      // A later init (e.g. from the readiness check) may try again.
      this.initializing = undefined;
      throw error;
    });
    return this.initializing;
  }

  async upsert(products: ProductVector[]): Promise<void> {
    assertProducts(products, this.dimension);
    await this.write(
      products.map((p) => p.productId),
      async () => {
        for (const batch of chunks(products, this.config.MILVUS_BATCH_SIZE)) {
          const data = batch.map((p) => ({
            [F.productId]: p.productId,
            [F.categoryId]: p.categoryId,
            [F.productTitle]: truncateUtf8(p.productTitle),
            [F.categoryTitle]: truncateUtf8(p.categoryTitle),
            [F.vector]: Array.from(p.vector),
          }));
          await this.onCollection('upsert', (c) => c.upsert({ collection_name: this.collection, data }));
        }
      },
    );
  }

  async delete(productIds: number[]): Promise<void> {
    assertIds(productIds);
    await this.write(productIds, async () => {
      for (const ids of chunks([...new Set(productIds)], IDS_PER_EXPRESSION)) {
        await this.onCollection('delete', (c) =>
          c.delete({ collection_name: this.collection, filter: `${F.productId} in [${ids.join(',')}]` }),
        );
      }
    });
  }

  async search(vector: Float32Array, options: SearchOptions): Promise<SearchHit[]> {
    assertVector(vector, this.dimension);
    assertSearchOptions(options);
    await this.init();
    if (options.limit === 0) return [];
    const filters: string[] = [];
    if (options.categoryId !== undefined) filters.push(`${F.categoryId} == ${options.categoryId}`);
    const excluded = [...new Set(options.excludeProductIds ?? [])];
    // Ids are checked safe integers (assertSearchOptions), so the literal list cannot inject anything.
    if (excluded.length > 0) filters.push(`${F.productId} not in [${excluded.join(',')}]`);
    const rows = await this.searchRows(Array.from(vector), options.limit, META_FIELDS, filters.join(' and '));
    return (rows as Row[]).map((row) => ({ ...metadataOf(row), score: Number(row.score) })).sort(byScore);
  }

  async nearestOf(
    products: Pick<ProductVector, 'productId' | 'vector'>[],
    limit: number,
  ): Promise<Neighbour[][]> {
    for (const { vector } of products) assertVector(vector, this.dimension);
    assertSearchOptions({ limit, excludeProductIds: products.map((product) => product.productId) });
    await this.init();
    if (products.length === 0 || limit === 0) return products.map(() => []);
    // One more than asked: each product finds itself, dropped below (a filter cannot differ per query).
    const data = products.map((product) => Array.from(product.vector));
    const rows = await this.searchRows(data, limit + 1, [F.productId]);
    // One query is answered with its rows, several with a list of rows per query.
    const perQuery = products.length === 1 ? [rows as Row[]] : (rows as Row[][]);
    return products.map(({ productId }, i) =>
      (perQuery[i] ?? [])
        .map((row) => ({ productId: Number(row[F.productId] ?? row.id), score: Number(row.score) }))
        .filter((hit) => hit.productId !== productId)
        .sort(byScore)
        .slice(0, limit),
    );
  }

  async get(productIds: number[]): Promise<ProductVector[]> {
    assertIds(productIds);
    await this.init();
    const out: ProductVector[] = [];
    const missing: number[] = [];
    const writesBefore = this.writes;
    for (const id of new Set(productIds)) {
      const known = this.vectors.get(id);
      if (known) out.push(known);
      else missing.push(id);
    }
    for (const ids of chunks(missing, IDS_PER_EXPRESSION)) {
      const result = await this.onCollection('get', (c) =>
        c.query({
          collection_name: this.collection,
          filter: `${F.productId} in [${ids.join(',')}]`,
          output_fields: [...META_FIELDS, F.vector],
          limit: ids.length,
          consistency_level: ConsistencyLevelEnum.Strong,
        }),
      );
      for (const row of result.data) {
        const product = { ...metadataOf(row), vector: Float32Array.from(row[F.vector] as number[]) };
        if (this.writes === writesBefore) this.vectors.set(product.productId, product);
        out.push(product);
      }
    }
    return out;
  }

  /** `count(*)` counts writes at once; Milvus's row_count changes at flush and counts deleted rows. */
  async count(): Promise<number> {
    await this.init();
    const result = await this.onCollection('count', (c) =>
      c.query({
        collection_name: this.collection,
        filter: '',
        output_fields: ['count(*)'],
        consistency_level: ConsistencyLevelEnum.Strong,
      }),
    );
    return Number(result.data[0]?.['count(*)'] ?? 0);
  }

  async ping(): Promise<void> {
    // Not set up yet (server was down at boot): try again, so readiness recovers by itself.
    await this.init();
    const health = await this.call('ping', (c) => c.checkHealth());
    if (!health.isHealthy) {
      throw new VectorStoreUnavailableError(undefined, {
        cause: new Error(`Milvus reports unhealthy: ${health.reasons.join('; ')}`),
      });
    }
    // Healthy but without our collection (restarted without its data): readiness sets it up again.
    const setUp = this.initializing;
    const exists = await this.call('hasCollection', (c) => c.hasCollection(this.target));
    if (!exists.value) await this.setUpAgain(setUp);
  }

  async close(): Promise<void> {
    clearTimeout(this.flushTimer);
    if (this.closed) return;
    this.closed = true;
    // The SDK drains its channel pool, which waits for every borrowed channel to come back:
    // a call stuck on a server that accepts and never answers holds one until gRPC gives up.
    // Shutdown must not wait for that, so closing gets the same deadline as any operation.
    await withDeadline(this.client.closeConnection(), this.config.MILVUS_TIMEOUT_MS, 'closeConnection').catch(
      (error: unknown) => this.log.warn({ err: error }, 'closing the Milvus connection failed'),
    );
  }

  /** Drops the collection (tests, or retiring an embedder) and closes. */
  async drop(): Promise<void> {
    this.vectors.clear();
    await this.call('drop', (c) => c.dropCollection(this.target));
    await this.close();
  }

  private async setUp(): Promise<void> {
    const started = performance.now();
    const version = await this.call('getVersion', (c) => c.getVersion());
    const lite = version.version.startsWith('milvus_lite');
    this.flushDelayMs = this.config.MILVUS_FLUSH_DELAY_MS ?? (lite ? 1_000 : 0);
    const { MILVUS_DATABASE: database } = this.config;
    if (database) await this.ensureDatabase(database);
    const exists = await this.call('hasCollection', (c) => c.hasCollection(this.target));
    if (exists.value) await this.checkSchema();
    const created = !exists.value && (await this.createCollection());
    this.indexType = await this.ensureIndex(this.config.MILVUS_INDEX_TYPE ?? (lite ? 'FLAT' : 'HNSW'));
    await this.load();
    this.log.info(
      {
        collection: this.collection,
        server: version.version,
        database: database ?? 'default',
        created,
        indexType: this.indexType,
        flushDelayMs: this.flushDelayMs,
        ms: Math.round(performance.now() - started),
      },
      'Milvus vector collection ready',
    );
    this.onSetUp?.(created);
  }

  /** The collection is gone: set it up again (once for concurrent callers that saw the old one go). */
  private setUpAgain(stale: Promise<void> | undefined): Promise<void> {
    if (this.initializing === stale) {
      this.log.warn(
        { collection: this.collection },
        'Milvus no longer has the vector collection (restarted without its data?); creating it again',
      );
      this.vectors.clear();
      this.initializing = undefined;
    }
    return this.init();
  }

  private async ensureDatabase(name: string): Promise<void> {
    const list = await this.call('listDatabases', (c) => c.listDatabases());
    if (list.db_names.includes(name)) return;
    const created = await this.call('createDatabase', (c) => c.createDatabase({ db_name: name }), {
      check: false,
    });
    // Another replica may have created it in between.
    if (created.error_code !== 'Success') {
      const again = await this.call('listDatabases', (c) => c.listDatabases(), { check: false });
      if (!again.db_names.includes(name)) checkStatus(created, 'createDatabase');
    }
  }

  /** Whether this process created it (false: another replica did in between). */
  private async createCollection(): Promise<boolean> {
    const fields: FieldType[] = [
      { name: F.productId, data_type: DataType.Int64, is_primary_key: true, autoID: false },
      { name: F.categoryId, data_type: DataType.Int64 },
      { name: F.productTitle, data_type: DataType.VarChar, max_length: MAX_TITLE_BYTES },
      { name: F.categoryTitle, data_type: DataType.VarChar, max_length: MAX_TITLE_BYTES },
      { name: F.vector, data_type: DataType.FloatVector, dim: this.dimension },
    ];
    try {
      await this.call('createCollection', (c) =>
        c.createCollection({
          collection_name: this.collection,
          description: `product vectors (${this.dimension} dims)`,
          fields,
          enable_dynamic_field: false,
          consistency_level: 'Strong',
        }),
      );
      return true;
    } catch (error) {
      // Another replica may have created it in between; then it must match like any other. One
      // still creating it makes Milvus Lite answer "File exists" before the collection is listed:
      // give that creation a moment (seen once in CI with three replicas at once).
      for (let look = 0; look < 10; look++) {
        const exists = await this.call('hasCollection', (c) => c.hasCollection(this.target), {
          check: false,
        });
        if (exists.value) {
          await this.checkSchema();
          return false;
        }
        await sleep(100);
      }
      throw error;
    }
  }

  /** An existing collection must have our fields and dimension, or we would write garbage. */
  private async checkSchema(): Promise<void> {
    const described = await this.call('describeCollection', (c) => c.describeCollection(this.target));
    const fields = new Map(described.schema.fields.map((f) => [f.name, f]));
    const vector = fields.get(F.vector);
    const dim = Number(vector?.type_params?.find((p) => p.key === 'dim')?.value ?? vector?.dim);
    const missing = [...META_FIELDS, F.vector].filter((name) => !fields.has(name));
    if (missing.length > 0 || dim !== this.dimension) {
      throw new Error(
        `Milvus collection ${this.collection} does not match this service (missing fields: ${missing.join(', ') || 'none'}; vector dim ${dim}, expected ${this.dimension}); drop it or change MILVUS_COLLECTION_PREFIX`,
      );
    }
  }

  /** Creates the vector index when missing; returns the type the collection really has. */
  private async ensureIndex(wanted: IndexType): Promise<IndexType> {
    const existing = await this.existingIndex(wanted);
    if (existing) return existing;
    try {
      await this.call(
        'createIndex',
        (c) =>
          c.createIndex({
            collection_name: this.collection,
            field_name: F.vector,
            index_name: F.vector,
            index_type: wanted,
            metric_type: 'IP',
            params: INDEX_PARAMS[wanted],
          }),
        { deadlineMs: this.config.MILVUS_INIT_TIMEOUT_MS },
      );
      return wanted;
    } catch (error) {
      // Another replica setting the collection up at the same moment created it first ("index
      // already exists"): theirs is checked like any existing index.
      const createdMeanwhile = await this.existingIndex(wanted);
      if (createdMeanwhile) return createdMeanwhile;
      throw error;
    }
  }

  /** The collection's vector index type, when it has one (it must score by inner product). */
  private async existingIndex(wanted: IndexType): Promise<IndexType | undefined> {
    // Not checked: a missing index is an error status.
    const described = await this.call(
      'describeIndex',
      (c) => c.describeIndex({ collection_name: this.collection, field_name: F.vector }),
      { check: false },
    );
    const existing = described.index_descriptions?.[0];
    if (described.status.error_code !== 'Success' || !existing) return undefined;
    const type = existing.params.find((p) => p.key === 'index_type')?.value as IndexType;
    const metric = existing.params.find((p) => p.key === 'metric_type')?.value;
    if (metric !== 'IP') {
      // Scores would mean something else (and searching with IP on it gives shifted scores).
      throw new Error(
        `Milvus collection ${this.collection} has a ${metric} vector index; this service needs IP (drop the index)`,
      );
    }
    if (type !== wanted) {
      this.log.warn(
        { collection: this.collection, existing: type, wanted },
        'vector index type differs from the configured one; keeping it (drop the index to rebuild)',
      );
    }
    return type;
  }

  /** Best first by inner product; `data` is one query vector or several. */
  private async searchRows(data: number[] | number[][], limit: number, fields: string[], filter = '') {
    const result = await this.onCollection('search', (c) =>
      c.search({
        collection_name: this.collection,
        anns_field: F.vector,
        data,
        limit,
        filter,
        output_fields: fields,
        metric_type: 'IP',
        params: searchParams(this.indexType, limit, this.config.MILVUS_SEARCH_EF),
        consistency_level: ConsistencyLevelEnum.Strong,
      }),
    );
    return result.results as unknown as Row[] | Row[][];
  }

  /** A call on the collection; "not loaded" loads it, "does not exist" sets it up: then once more. */
  private async onCollection<T extends object>(
    operation: string,
    fn: (client: MilvusClient) => Promise<T>,
  ): Promise<T> {
    const setUp = this.initializing;
    try {
      return await this.call(operation, fn);
    } catch (error) {
      if (!(error instanceof MilvusStatusError)) throw error;
      if (error.milvusCode === NOT_LOADED) {
        this.log.warn({ collection: this.collection }, 'Milvus collection was not loaded; loading it again');
        await this.load();
      } else if (error.milvusCode === COLLECTION_MISSING) {
        await this.setUpAgain(setUp);
      } else {
        throw error;
      }
      return this.call(operation, fn);
    }
  }

  private async load(): Promise<void> {
    await this.call('load', (c) => c.loadCollectionSync(this.target), {
      deadlineMs: this.config.MILVUS_INIT_TIMEOUT_MS,
    });
  }

  /**
   * One SDK call within its deadline, (re)connecting first if the last Connect failed (the SDK
   * never retries a failed Connect). Its status is checked unless `check` is false: the SDK
   * resolves with error statuses instead of throwing.
   */
  private async call<T extends object>(
    operation: string,
    fn: (client: MilvusClient) => Promise<T>,
    { deadlineMs = this.config.MILVUS_TIMEOUT_MS, check = true } = {},
  ): Promise<T> {
    if (this.closed) throw new VectorStoreUnavailableError('Vector store is closed');
    const run = async () => {
      const attempt = this.connected;
      try {
        await attempt;
      } catch {
        // Concurrent callers share one new attempt.
        if (this.connected === attempt) {
          this.client.connect(MilvusClient.sdkInfo.version);
          this.connected = this.watch();
        }
        await this.connected;
      }
      const result = await fn(this.client);
      if (check)
        checkStatus((result as { status?: MilvusStatus }).status ?? (result as MilvusStatus), operation);
      return result;
    };
    try {
      const result = await withDeadline(run(), deadlineMs, operation);
      this.reachable();
      return result;
    } catch (error) {
      const storeError = toStoreError(error, operation);
      // An error status is an answer: Milvus is there.
      if (storeError instanceof VectorStoreUnavailableError) this.unreachable(storeError);
      else this.reachable();
      throw storeError;
    }
  }

  /** The first failure of an outage on one line, then a reminder a minute ("Connection handling"). */
  private unreachable(error: VectorStoreUnavailableError): void {
    const outage = this.outage.failed();
    if (!outage || this.closed) return;
    const { MILVUS_ADDRESS: address } = this.config;
    const reason = reasonOf(error.cause ?? error);
    if (outage.failures === 1)
      this.log.warn({ address, reason }, 'cannot reach Milvus; retrying on each call');
    else this.log.warn({ address, reason, ...outage }, 'Milvus still unreachable');
  }

  private reachable(): void {
    const outage = this.outage.succeeded();
    if (outage) this.log.info({ address: this.config.MILVUS_ADDRESS, ...outage }, 'Milvus reachable again');
  }

  private watch(): Promise<void> {
    const connected = this.client.connectPromise;
    // Handled here so a refused Connect is never an unhandled rejection; `call` sees it too
    // and logs it (unreachable()).
    connected.catch(() => {});
    return connected;
  }

  /** A fresh request naming the collection (the SDK may annotate the object it is given). */
  private get target() {
    return { collection_name: this.collection };
  }

  /** Counted as a write: a read that overlapped it does not cache what it read. */
  forget(productIds: number[]): void {
    this.writes++;
    for (const id of productIds) this.vectors.delete(id);
  }

  /** Forgets the ids' cached vectors before and after the write: an overlapping read may cache an old one. */
  private async write(ids: number[], work: () => Promise<void>): Promise<void> {
    await this.init();
    this.forget(ids);
    await work();
    this.forget(ids);
    // Milvus Lite searches unflushed rows one by one in Python (docs/vector-stores.md). Later writes
    // do not push the timer back, which bounds the memtable during a bulk load.
    if (this.flushDelayMs > 0 && !this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        this.call('flush', (c) => c.flush({ collection_names: [this.collection] })).catch((error: unknown) =>
          this.log.warn({ err: error, collection: this.collection }, 'Milvus flush failed'),
        );
      }, this.flushDelayMs);
      // A pending flush must not keep the process alive.
      this.flushTimer.unref();
    }
  }
}

type Row = Record<string, unknown>;

/** Best first; ties by product id, as the embedded store orders them. */
function byScore(a: { score: number; productId: number }, b: { score: number; productId: number }): number {
  return b.score - a.score || a.productId - b.productId;
}

function metadataOf(row: Row): Omit<ProductVector, 'vector'> {
  return {
    productId: Number(row[F.productId] ?? row.id),
    categoryId: Number(row[F.categoryId]),
    productTitle: String(row[F.productTitle] ?? ''),
    categoryTitle: String(row[F.categoryTitle] ?? ''),
  };
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
