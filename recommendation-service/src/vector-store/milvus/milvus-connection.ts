import type { ResStatus } from '@zilliz/milvus2-sdk-node';
import { VectorStoreRequestError, VectorStoreUnavailableError } from '../errors.js';

// gRPC codes for "cannot reach it now", not "it said no":
// CANCELLED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNAVAILABLE.
const UNAVAILABLE_CODES = new Set([1, 4, 8, 14]);

/** Milvus's "collection not loaded" (e.g. Milvus Lite releases every collection when it restarts). */
export const NOT_LOADED = 101;
/** Milvus's "collection does not exist": e.g. Milvus restarted without its data. */
export const COLLECTION_MISSING = 100;

export type MilvusStatus = Partial<ResStatus>;

export class MilvusStatusError extends VectorStoreRequestError {
  constructor(
    readonly milvusCode: number,
    reason: string,
  ) {
    super(undefined, { cause: new Error(reason) });
  }
}

/**
 * Throws on a Milvus error status. Both fields count: some failures set only `code` and leave
 * `error_code: "Success"` (docs/milvus-lite.md).
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

export function withDeadline<T>(work: Promise<T>, ms: number, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    const cause = new Error(`Milvus ${operation} did not answer within ${ms} ms`);
    timer = setTimeout(() => reject(new VectorStoreUnavailableError(undefined, { cause })), ms);
  });
  // `work` may still reject after the deadline: race() has attached a handler to it.
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** Timeouts and gRPC UNAVAILABLE: 503; Milvus error statuses: 502. Driver text stays in `cause`. */
export function toStoreError(error: unknown, operation: string): Error {
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
