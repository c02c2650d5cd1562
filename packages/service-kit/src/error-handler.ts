import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { CallerDeadlineError, HttpError, ServiceUnavailableError } from './errors.js';
import { reasonOf } from './outage-log.js';

// Node and Postgres codes that mean "the database (or a peer) cannot serve this now"
// (57P01-03: admin_shutdown, crash_shutdown, cannot_connect_now; 08xxx: connection exceptions;
// 53100/53200: disk full, out of memory, e.g. a DATA_DIR that filled up: nothing was written).
const NODE_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'];
const PG_CODES = ['57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53100', '53200'];
const UNREACHABLE_CODES = new Set([...NODE_CODES, ...PG_CODES]);

/**
 * One error handler for every service: maps what we know to `{"detail": ...}` with the
 * right status, and hides everything else (no SQL, stack traces or driver messages).
 */
export function installErrorHandler(app: FastifyInstance): void {
  // Every method some route declares (HEAD comes with GET), collected as routes are added.
  const methods = new Set<string>();
  app.addHook('onRoute', (route) => {
    // A catch-all (@fastify/cors's preflight route) answers preflights only, not a method of every path.
    if (route.url === '*') return;
    for (const method of [route.method].flat()) methods.add(method.toUpperCase());
  });

  /** The methods of the most specific routes (fewest params) this request's path reaches, sorted. */
  const allowedMethods = (request: FastifyRequest): string[] => {
    const matches = [...methods].flatMap((method) => {
      const route = app.findRoute({ method: method as HTTPMethods, url: pathOf(request) });
      return route ? [{ method, params: Object.keys(route.params ?? {}).length }] : [];
    });
    const fewest = Math.min(...matches.map((match) => match.params));
    return matches.flatMap((match) => (match.params === fewest ? [match.method] : [])).sort();
  };

  /**
   * 405 with `Allow` when the path exists under other methods only (RFC 9110 §15.5.6), else 404:
   * also when a route of this method found nothing (a file @fastify/static does not have).
   */
  const answerUnrouted = (request: FastifyRequest, reply: FastifyReply) => {
    const path = pathOf(request);
    const methods = allowedMethods(request);
    if (methods.length === 0 || methods.includes(request.method)) {
      return reply.code(404).send({ detail: `Route ${request.method} ${path} not found` });
    }
    const allowed = methods.join(', ');
    const detail = `Method ${request.method} not allowed on ${path}; use ${allowed}`;
    return reply.code(405).header('allow', allowed).send({ detail });
  };

  app.setErrorHandler((error: FastifyError, request, reply) => {
    // A request no route takes can still fail before the not-found handler runs (a QUERY
    // without Content-Type, a body it cannot parse): it is answered as unrouted all the same.
    if (request.is404) return answerUnrouted(request, reply);
    if (hasZodFastifySchemaValidationErrors(error)) {
      const part = error.validationContext ?? 'body';
      // GET /recommendation/reindex reaches GET /recommendation/:customer_id and fails its
      // id; the resource is the POST route's, so the answer is its 405, not a 422.
      const allowed = part === 'params' ? allowedMethods(request) : [];
      if (allowed.length > 0 && !allowed.includes(request.method)) return answerUnrouted(request, reply);
      // FastAPI's validation error items (validationErrorSchema): clients of the original parse them.
      const detail = error.validation.map((issue) => ({
        loc: [part, ...issue.instancePath.split('/').filter(Boolean).map(toPathItem)],
        msg: issue.message ?? 'Invalid value',
        type: typeOf(issue),
      }));
      return reply.code(422).send({ detail });
    }
    if (error instanceof HttpError) {
      // A caller's own deadline (x-request-timeout-ms) cut the call: its choice, not our error. A
      // service that called us with it logs the 503 it gets at warn.
      const level = error instanceof CallerDeadlineError ? 'info' : 'warn';
      if (error instanceof ServiceUnavailableError) {
        // An expected condition (a dependency is away) that every request meets while it lasts:
        // one line with its reason; the component that cannot reach it says more, once.
        const reason = error.cause === undefined ? {} : { reason: reasonOf(error.cause) };
        request.log[level]({ statusCode: error.statusCode, ...reason }, error.detail);
      } else if (error.statusCode >= 500) {
        request.log[level]({ err: error.cause ?? error }, error.detail);
      }
      if (error.retryAfterSeconds !== undefined) reply.header('retry-after', error.retryAfterSeconds);
      return reply.code(error.statusCode).send({ detail: error.detail });
    }
    const mapped = mapDatabaseError(error);
    if (mapped) {
      if (mapped.status >= 500) request.log.error({ err: error }, mapped.detail);
      if (mapped.retryAfterSeconds !== undefined) reply.header('retry-after', mapped.retryAfterSeconds);
      return reply.code(mapped.status).send({ detail: mapped.detail });
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error }, 'response did not match its schema');
      return reply.code(500).send({ detail: 'Internal server error' });
    }
    // Fastify's own client errors (malformed JSON, body too large, bad content type): their
    // messages are short and contain no internals.
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ detail: CLIENT_ERROR_DETAILS[error.code] ?? error.message });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send({ detail: 'Internal server error' });
  });

  app.setNotFoundHandler((request, reply) => answerUnrouted(request, reply));
}

/** A check's own name for its failure (`text`'s `string_nul`), given as its params.type; else zod's issue code. */
const typeOf = (issue: { keyword: string; params: Record<string, unknown> }): string => {
  const own = (issue.params.params as { type?: unknown } | undefined)?.type;
  return typeof own === 'string' ? own : String(issue.keyword);
};

const pathOf = (request: FastifyRequest) => request.url.split('?')[0] ?? '/';
const toPathItem = (segment: string) => (/^\d+$/.test(segment) ? Number(segment) : segment);

const CLIENT_ERROR_DETAILS: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'Malformed JSON body',
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type: send application/json',
};

/** Our own detail or a generic phrase: driver, ORM and network messages stay in the logs. */
export function publicErrorMessage(error: unknown): string {
  if (error instanceof HttpError) return error.detail;
  return mapDatabaseError(error)?.detail ?? 'Internal error (see the service log)';
}

type Mapped = { status: number; detail: string; retryAfterSeconds?: number };
const UNAVAILABLE: Mapped = { status: 503, detail: 'Database unavailable, try again shortly' };
/**
 * The database answers but every connection is in use (a burst of writes): nothing was done, and
 * the same request succeeds once the burst has passed, which a client is told apart from an outage.
 */
export const DATABASE_BUSY: Mapped = {
  status: 503,
  detail: 'Database busy (every connection in use), try again shortly',
  retryAfterSeconds: 1,
};
/** A write that still met another at the same moment (a deadlock) after its retries (packages/db). */
const WRITE_CONFLICT: Mapped = {
  status: 503,
  detail: 'Database busy (a write conflicted with another at the same moment), try again shortly',
  retryAfterSeconds: 1,
};
// P1xxx: cannot connect. Busy: P2024 pool timeout, P2028 a transaction could not start within
// Prisma's maxWait (2 s) or outlived its timeout, P2037 the server has no connection left.
// P2034: a deadlock or write conflict left after retryOnWriteConflict's attempts.
const PRISMA_CODES = new Map<string, Mapped>([
  ['P2002', { status: 409, detail: 'A record with the same unique value already exists' }],
  ['P2025', { status: 404, detail: 'Record not found' }],
  ['P2003', { status: 409, detail: 'The record is referenced by other records' }],
  ['P2024', DATABASE_BUSY],
  ['P2028', DATABASE_BUSY],
  ['P2037', DATABASE_BUSY],
  ['P2034', WRITE_CONFLICT],
]);
/**
 * pg-pool's answer to a query that waited connectionTimeoutMillis (3 s, packages/db) for one of
 * its connections, all in use; a connection that cannot be opened fails otherwise ("Connection
 * terminated due to connection timeout", ECONNREFUSED). Postgres's 53300: too many connections.
 */
const BUSY_MESSAGE = /timeout exceeded when trying to connect/;
const BUSY_KINDS = new Set(['TooManyConnections']);
const BUSY_CODES = new Set(['53300']);

/**
 * Prisma error codes (https://www.prisma.io/docs/orm/reference/error-reference) and connection
 * failures: the safety net behind the repositories' own precise mapping.
 */
export function mapDatabaseError(error: unknown): Mapped | null {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof code === 'string') {
    const known = PRISMA_CODES.get(code) ?? (/^P1\d{3}$/.test(code) ? UNAVAILABLE : undefined);
    if (known) return { ...known };
  }
  // node-postgres gave up waiting for the answer (`query_timeout`, packages/db). Checked first: a
  // query sent and never answered may still be applied when the database wakes up, so
  // "unavailable, nothing done" would not be true.
  if (causes(error).some((cause) => /Query read timeout/.test(String(cause.message)))) {
    return {
      status: 504,
      detail: 'Database did not answer in time; the change may or may not have been applied',
    };
  }
  const busy = causes(error).some(
    (cause) =>
      BUSY_KINDS.has(cause.kind as string) ||
      BUSY_CODES.has(cause.code as string) ||
      BUSY_CODES.has(cause.originalCode as string) ||
      (typeof cause.message === 'string' && BUSY_MESSAGE.test(cause.message)),
  );
  if (busy) return { ...DATABASE_BUSY };
  return isUnreachable(error) ? { ...UNAVAILABLE } : null;
}

/** What Prisma's driver adapters report when the database cannot be reached. */
const UNREACHABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout']);
const UNREACHABLE_MESSAGE =
  /ECONNREFUSED|Can't reach database server|Connection terminated|connection (is )?closed|terminating connection|Client has encountered a connection error/i;

/** Whether some error in the cause chain is a "cannot reach it" code, kind or message. */
export function isUnreachable(error: unknown): boolean {
  return causes(error).some(
    (cause) =>
      UNREACHABLE_CODES.has(cause.code as string) ||
      UNREACHABLE_CODES.has(cause.originalCode as string) ||
      cause.name === 'PrismaClientInitializationError' ||
      UNREACHABLE_KINDS.has(cause.kind as string) ||
      (typeof cause.message === 'string' && UNREACHABLE_MESSAGE.test(cause.message)),
  );
}

type ErrorLike = { [key in 'code' | 'originalCode' | 'name' | 'message' | 'kind']?: unknown };

/**
 * `error` and its causes (at most 8). Prisma puts the driver adapter's error in
 * `meta.driverAdapterError` (a raw query reports P2010 with the real reason there), so that
 * is followed before `cause`.
 */
export function causes(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current = error as
    | (ErrorLike & { cause?: unknown; meta?: { driverAdapterError?: unknown } })
    | undefined;
  while (current && typeof current === 'object' && chain.length < 8) {
    chain.push(current);
    current = (current.meta?.driverAdapterError ?? current.cause) as typeof current;
  }
  return chain;
}
