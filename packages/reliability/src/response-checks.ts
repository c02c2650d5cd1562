import path from 'node:path';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

/**
 * Text that must never reach a client: stack frames, source paths, SQL and driver or ORM
 * messages. Requests may carry SQL-looking text that a detail echoes back (`A product
 * titled "…" already exists`), so only phrases our own inputs never contain are listed.
 */
const LEAK_PATTERNS: readonly RegExp[] = [
  /\n\s+at .+\(.*:\d+:\d+\)/, // a stack frame
  /\bat (?:async )?\S+ \((?:file:\/\/)?\//,
  /node_modules/,
  /\.(?:ts|js|mjs|cjs):\d+/,
  /prisma/i,
  /PGlite/i,
  /\bpg_\w+\(/,
  /invalid input syntax/i,
  /duplicate key value/i,
  /violates (?:unique|foreign key|not-null|check) constraint/i,
  /syntax error at or near/i,
  /relation "\w+/,
  /catalog_schema|user_schema|recommendation_schema/,
  /\bconnect E[A-Z]+\b/, // a socket error as the driver words it
  /\b(?:\d{1,3}\.){3}\d{1,3}:\d{2,5}\b/, // an internal address
  /invalid byte sequence/i,
  /Can't reach database server/i,
  /Connection terminated/i,
  /TypeError|ReferenceError|RangeError|SyntaxError:/,
];

/** Only in error answers: success answers may name the store in use (`/recommendation/info`). */
const ERROR_ONLY_PATTERNS: readonly RegExp[] = [/milvus/i, /grpc/i, /faiss/i];

/** The first leak found in a response body, or null. */
export function findLeak(body: string, isError = true): string | null {
  if (body.includes(REPO_ROOT)) return `a path inside the repository (${REPO_ROOT})`;
  for (const pattern of isError ? [...LEAK_PATTERNS, ...ERROR_ONLY_PATTERNS] : LEAK_PATTERNS) {
    const match = pattern.exec(body);
    if (match) return `${pattern} matched ${JSON.stringify(match[0])}`;
  }
  return null;
}

export interface CheckedResponse {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

/**
 * What every answer must satisfy, whatever was sent: no 5xx (the dependencies are up),
 * a JSON `{"detail": ...}` body for every 4xx, a request id, and nothing internal in it.
 * Returns the problems found (empty when the answer is fine).
 */
export function problemsWith(response: CheckedResponse, options: { allow5xx?: boolean } = {}): string[] {
  const problems: string[] = [];
  if (response.statusCode >= 500 && !options.allow5xx) problems.push(`status ${response.statusCode}`);
  if (response.statusCode >= 400) {
    let detail: unknown;
    try {
      detail = (JSON.parse(response.body) as { detail?: unknown }).detail;
    } catch {
      problems.push('error body is not JSON');
    }
    if (typeof detail !== 'string' && !Array.isArray(detail)) problems.push('error body has no "detail"');
  }
  const requestId = response.headers['x-request-id'];
  if (typeof requestId !== 'string' || !/^[A-Za-z0-9._:@+=/-]{1,128}$/.test(requestId)) {
    problems.push(`no usable x-request-id header (${JSON.stringify(requestId)?.slice(0, 60)})`);
  }
  const leak = findLeak(response.body, response.statusCode >= 400);
  if (leak) problems.push(`leak: ${leak}`);
  return problems;
}
