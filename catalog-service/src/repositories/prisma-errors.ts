import { Prisma } from '../generated/prisma/client.js';

export function isPrismaCode(error: unknown, code: string): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === code;
}

/**
 * A row is still referenced (or references a missing row). Postgres reports ON DELETE
 * RESTRICT as 23503 (P2003) and PGlite as 23001 (P2039, "restrict_violation").
 */
export function isForeignKeyViolation(error: unknown): boolean {
  if (isPrismaCode(error, 'P2003')) return true;
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  const cause = (error.meta?.driverAdapterError as { cause?: { originalCode?: string } } | undefined)?.cause;
  return cause?.originalCode === '23001' || cause?.originalCode === '23503';
}
