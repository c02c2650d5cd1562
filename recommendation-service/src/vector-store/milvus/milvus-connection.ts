import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { VectorStoreRequestError, VectorStoreUnavailableError } from '../errors.js';
import type { StoreLogger } from '../logger.js';

export interface MilvusConnectionOptions {
  address: string;
  token?: string | undefined;
  database?: string | undefined;
  /** Upper bound for one operation, retries included. */
  timeoutMs: number;
  log: StoreLogger;
}

// gRPC codes for "cannot reach it now", not "it said no":
// CANCELLED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNAVAILABLE.
const UNAVAILABLE_CODES = new Set([1, 4, 8, 14]);

/**
 * One MilvusClient with the SDK's failure modes handled (docs/vector-stores.md):
 * - The constructor's `Connect` promise rejects when nothing listens, and an unhandled
 *   rejection kills the process: a handler is attached right after construction.
 * - A failed Connect stays failed (createCollection, checkHealth, database calls would fail
 *   forever after the server comes up), so the next operation connects again.
 * - Every operation gets its own deadline, which the SDK's retries cannot outlast; timeouts
 *   and gRPC UNAVAILABLE become VectorStoreUnavailableError (503), Milvus error statuses
 *   VectorStoreRequestError (502). Driver text stays in `cause`, never in `detail`.
 */
export class MilvusConnection {
  private readonly client: MilvusClient;
  private connected: Promise<void>;
  private closed = false;

  constructor(private readonly options: MilvusConnectionOptions) {
    this.client = new MilvusClient({
      address: options.address,
      token: options.token,
      database: options.database,
      timeout: options.timeoutMs,
      // One quick retry for a blip; the deadline below bounds the total anyway.
      maxRetries: 1,
      retryDelay: 50,
      // Heartbeats to the server are of no use to us, and Milvus Lite does not implement them.
      telemetry: { enabled: false },
      // After a refused connection gRPC fails calls at once until its next reconnect attempt,
      // and its backoff grows to 120 s by default: a Milvus that comes back would stay
      // "unavailable" for minutes. Cap it so recovery takes at most a couple of seconds.
      channelOptions: {
        'grpc.initial_reconnect_backoff_ms': 250,
        'grpc.max_reconnect_backoff_ms': 2_000,
      },
      logLevel: 'warn',
    });
    this.connected = this.watch();
  }

  /** Runs one SDK call within the deadline, (re)connecting first if the last Connect failed. */
  async call<T>(
    operation: string,
    fn: (client: MilvusClient) => Promise<T>,
    deadlineMs?: number,
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
      return fn(this.client);
    };
    try {
      return await withDeadline(run(), deadlineMs ?? this.options.timeoutMs, operation);
    } catch (error) {
      throw toStoreError(error, operation);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // The SDK drains its channel pool, which waits for every borrowed channel to come back:
    // a call stuck on a server that accepts and never answers holds one until gRPC gives up.
    // Shutdown must not wait for that, so closing gets the same deadline as any operation.
    await withDeadline(this.client.closeConnection(), this.options.timeoutMs, 'closeConnection').catch(
      (error: unknown) => {
        this.options.log.warn({ err: error }, 'closing the Milvus connection failed');
      },
    );
  }

  private watch(): Promise<void> {
    const connected = this.client.connectPromise;
    // Handled here so a refused Connect is never an unhandled rejection; `call` sees it too.
    connected.catch((error: unknown) => {
      if (!this.closed) {
        this.options.log.warn({ err: error, address: this.options.address }, 'cannot connect to Milvus');
      }
    });
    return connected;
  }
}

/** Milvus's "collection not loaded" (e.g. Milvus Lite releases every collection when it restarts). */
export const NOT_LOADED = 101;

export interface MilvusStatus {
  error_code?: string | number;
  code?: number;
  reason?: string;
}

export class MilvusStatusError extends VectorStoreRequestError {
  constructor(
    readonly milvusCode: number,
    reason: string,
  ) {
    super(undefined, { cause: new Error(reason) });
  }
}

/**
 * Throws when Milvus answered with an error status: the SDK resolves with it instead of
 * throwing. Both fields count: some failures set only `code` and leave `error_code: "Success"`
 * (docs/milvus-lite.md).
 */
export function checkStatus(status: MilvusStatus | undefined, operation: string): void {
  if (!status) return;
  const errorCode = status.error_code;
  const ok =
    (errorCode === undefined || errorCode === 'Success' || errorCode === 0) && (status.code ?? 0) === 0;
  if (!ok) {
    throw new MilvusStatusError(
      Number(status.code ?? -1),
      `Milvus ${operation} failed: ${errorCode} (code ${status.code}) ${status.reason ?? ''}`.trim(),
    );
  }
}

function withDeadline<T>(work: Promise<T>, ms: number, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new VectorStoreUnavailableError(undefined, {
          cause: new Error(`Milvus ${operation} did not answer within ${ms} ms`),
        }),
      );
    }, ms);
  });
  // `work` may still reject after the deadline: race() has attached a handler to it.
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

function toStoreError(error: unknown, operation: string): Error {
  if (error instanceof VectorStoreUnavailableError || error instanceof VectorStoreRequestError) return error;
  // gRPC failures are Errors with a numeric gRPC `code`; Milvus statuses are plain objects
  // whose `code` means something else (1 is a generic Milvus error, not CANCELLED).
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  if (typeof code === 'number' && UNAVAILABLE_CODES.has(code)) {
    return new VectorStoreUnavailableError(undefined, { cause: error });
  }
  // The SDK throws some error statuses as plain objects; keep them readable in the logs.
  const cause =
    error instanceof Error
      ? error
      : new Error(`Milvus ${operation} failed: ${JSON.stringify(error)?.slice(0, 500)}`);
  return new VectorStoreRequestError(undefined, { cause });
}
