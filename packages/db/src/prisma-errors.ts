import { setTimeout as sleep } from 'node:timers/promises';
import { ConflictError } from '@ecom/service-kit';

/**
 * A Prisma known-request error with this code (https://www.prisma.io/docs/orm/reference/error-reference):
 * P2002 unique, P2025 not found, ... By name, not `instanceof`: each service has its own
 * generated client.
 */
export function isPrismaCode(error: unknown, code: string): boolean {
  return (
    error instanceof Error &&
    error.name === 'PrismaClientKnownRequestError' &&
    (error as { code?: unknown }).code === code
  );
}

/** A unique violation (P2002) as a 409 with `detail`; any other error as it is, to throw. */
export function uniqueAsConflict(error: unknown, detail: string): unknown {
  return isPrismaCode(error, 'P2002') ? new ConflictError(detail) : error;
}

/**
 * A row is still referenced (or references a missing row). Postgres reports ON DELETE
 * RESTRICT as 23503 (P2003) and PGlite as 23001 (P2039, "restrict_violation").
 */
export function isForeignKeyViolation(error: unknown): boolean {
  if (isPrismaCode(error, 'P2003')) return true;
  if (!(error instanceof Error) || error.name !== 'PrismaClientKnownRequestError') return false;
  const meta = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } }).meta;
  const code = meta?.driverAdapterError?.cause?.originalCode;
  return code === '23001' || code === '23503';
}

/**
 * Runs `write` again (up to `attempts` times in all) when Postgres aborted it as a deadlock or
 * serialization failure (P2034): two renames to each other's titles each wait on the other's
 * unique-index entry, and one is rolled back. Run again, it answers what it would have answered
 * alone (409, 404). `write` must be a whole transaction: nothing of it committed. Each retry
 * waits a random moment first: run at once, it could meet the same writes again (CI once saw
 * three deadlocks in a row under load); a conflict left after the last attempt is a 503 with
 * Retry-After (service-kit's error handler), never a 500.
 */
export async function retryOnWriteConflict<T>(write: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= attempts || !isPrismaCode(error, 'P2034')) throw error;
      await sleep(Math.random() * 20 * attempt);
    }
  }
}
