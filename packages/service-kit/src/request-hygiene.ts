import { randomUUID } from 'node:crypto';
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NUL_MESSAGE } from './wire-types.js';

export const REQUEST_ID_HEADER = 'x-request-id';

// A caller's request id is echoed, logged and sent on to other services: anything long or
// unusual is replaced by a fresh UUID.
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:@+=/-]{1,128}$/;

export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && ACCEPTED_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Fastify answers a few malformed requests before routing (a bad percent-encoding, a path
 * parameter over `maxParamLength`) in its own shape and without our hooks: here in ours.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const detail = tooLong
    ? 'A path parameter is too long'
    : error.code === 'FST_ERR_BAD_URL'
      ? 'Malformed URL: invalid percent-encoding'
      : 'Bad request';
  reply
    .header(REQUEST_ID_HEADER, request.id)
    .code(tooLong ? 414 : (error.statusCode ?? 400))
    .send({ detail });
}

/**
 * Requests Node's HTTP parser rejects before Fastify (headers over 16 KiB, not HTTP, too slow):
 * answered in our shape with a request id, then closed as Fastify's own handler does.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request headers are too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request not received in time']
        : [400, 'Malformed HTTP request'];
  const body = JSON.stringify({ detail });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json\r\n${REQUEST_ID_HEADER}: ${randomUUID()}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

const NUL = '\u0000';

/**
 * Postgres cannot store U+0000 in text (a driver error, 500). Text fields refuse it in their
 * schema (wire-types.ts `text`); this 422 is the safety net for any other validated string. A
 * part the route does not validate, it does not read (`/healthz?x=%00` is a 200).
 */
export function installNulGuard(app: FastifyInstance): void {
  app.addHook('preHandler', async (request, reply) => {
    const schema = request.routeOptions.schema ?? {};
    const parts = { params: request.params, querystring: request.query, body: request.body };
    for (const [part, value] of Object.entries(parts)) {
      if (!schema[part as keyof typeof parts]) continue;
      const at = findNul(value);
      if (!at) continue;
      return reply.code(422).send({ detail: [{ loc: [part, ...at], msg: NUL_MESSAGE, type: 'string_nul' }] });
    }
  });
}

/**
 * `?limit=1&limit=2` reaches validation as a list, which then said "Input should be a valid
 * integer" of two valid integers. No query parameter takes a list: a repeated one the route
 * reads is refused as such (FastAPI took the last; a caller sending two values has a bug).
 */
export function installRepeatedQueryGuard(app: FastifyInstance): void {
  // Per route, with its parameter names read once: routes without a query string pay nothing.
  app.addHook('onRoute', (route) => {
    const names = queryParamsOf(route.schema);
    if (names.length === 0) return;
    const refuseRepeated = async (request: FastifyRequest, reply: FastifyReply) => {
      const query = request.query as Record<string, unknown>;
      const repeated = names.find((name) => Array.isArray(query[name]));
      if (repeated) return reply.code(400).send({ detail: repeatedQueryDetail(repeated) });
    };
    route.preValidation = [...[route.preValidation ?? []].flat(), refuseRepeated];
  });
}

/** The query parameters a route schema names (its zod `querystring` object's keys). */
export const queryParamsOf = (schema: unknown): string[] =>
  Object.keys((schema as { querystring?: { shape?: object } } | undefined)?.querystring?.shape ?? {});

export const repeatedQueryDetail = (name: string) => `Query parameter '${name}' given more than once`;

interface Node {
  value: unknown;
  key: string | number | null;
  parent: Node | null;
}

/** The path to the first string (or key) containing NUL, or null. */
export function findNul(root: unknown): (string | number)[] | null {
  // Parent links instead of copied paths: a body nested thousands deep stays linear.
  const stack: Node[] = [{ value: root, key: null, parent: null }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const { value } = node;
    if (typeof value === 'string') {
      if (value.includes(NUL)) return pathOf(node);
    } else if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index--) {
        stack.push({ value: value[index], key: index, parent: node });
      }
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (key.includes(NUL)) return [...pathOf(node), key];
        stack.push({ value: item, key, parent: node });
      }
    }
  }
  return null;
}

function pathOf(node: Node): (string | number)[] {
  const path: (string | number)[] = [];
  for (let current: Node | null = node; current && current.key !== null; current = current.parent) {
    path.unshift(current.key);
  }
  return path;
}
