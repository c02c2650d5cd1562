import type { FastifyReply } from 'fastify';
import { z } from 'zod';

/**
 * Errors that carry their HTTP status. Repositories and clients throw them; the one error
 * handler turns them into `{"detail": ...}`.
 */
export class HttpError extends Error {
  /** Seconds a client should wait before trying again, sent as `Retry-After` (RFC 9110 §10.2.3). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly statusCode: number,
    readonly detail: string,
    options?: HttpErrorOptions,
  ) {
    super(detail, options);
    this.name = new.target.name;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

type HttpErrorOptions = ErrorOptions & { retryAfterSeconds?: number };

function withStatus(status: number) {
  return class extends HttpError {
    constructor(detail: string, options?: HttpErrorOptions) {
      super(status, detail, options);
    }
  };
}

export class NotFoundError extends withStatus(404) {}
export class ConflictError extends withStatus(409) {}
export class UnprocessableError extends withStatus(422) {}
/** A dependency answered, but with something we cannot use. */
export class BadGatewayError extends withStatus(502) {}
/** A dependency (database, another service, the vector store) cannot be reached now. */
export class ServiceUnavailableError extends withStatus(503) {}
/** A call to another service gave up at the caller's deadline (x-request-timeout-ms): its choice, not an outage. */
export class CallerDeadlineError extends ServiceUnavailableError {}

/** What `found` answers ("Customer 3 not found"): clients tell it from a proxy's or a wrong URL's 404. */
export const NOT_FOUND_DETAIL = /^[A-Z][a-z]+ \d+ not found$/;

/** `value`, or a 404 "`what` not found" when it is null. */
export function found<T>(value: T | null, what: string): T {
  if (value === null) throw new NotFoundError(`${what} not found`);
  return value;
}

/** A DELETE's answer: 204, or 404 "`what` not found" when there was nothing to delete. */
export function deleted(reply: FastifyReply, done: boolean, what: string): FastifyReply {
  if (!done) throw new NotFoundError(`${what} not found`);
  return reply.code(204).send();
}

const TOTAL_COUNT = 'X-Total-Count';

/** A list route's answer: the page's items, its total in `X-Total-Count` (documented by `pageOf`). */
export function pageItems<T>(reply: FastifyReply, page: { items: T[]; total: number }): T[] {
  reply.header(TOTAL_COUNT, page.total);
  return page.items;
}

/**
 * A list route's 200 schema: an array of `item`, documented with the header `pageItems` sends
 * (@fastify/swagger turns a response schema's `headers` into the response's headers).
 */
export function pageOf<Item extends z.ZodType>(item: Item) {
  const total = { type: 'integer', minimum: 0, description: 'How many match in all, across every page' };
  return z.array(item).meta({ headers: { [TOTAL_COUNT]: total } });
}
