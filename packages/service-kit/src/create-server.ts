import { timingSafeEqual } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { documentSharedErrors } from './documented-errors.js';
import { installErrorHandler } from './error-handler.js';
import { HttpError } from './errors.js';
import { installHealthRoutes } from './health.js';
import { installMetrics } from './metrics.js';
import {
  clientErrorHandler,
  frameworkErrorHandler,
  installNulGuard,
  REQUEST_ID_HEADER,
  requestIdOf,
} from './request-hygiene.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * First step of a graceful shutdown: new requests (readiness too) get 503, running ones go
     * on, every answer closes its connection. The listener stays open, so clients are told "go
     * elsewhere" instead of being reset. `close()` drains too.
     */
    startDraining(): void;
    /** onRequest hook for internal routes: requires the shared service token when one is configured. */
    requireServiceToken(request: FastifyRequest): Promise<void>;
  }
}

export interface ServerOptions {
  /** Service name: shown in logs, OpenAPI title and readiness answers. */
  name: string;
  description: string;
  config?: { LOG_LEVEL?: string; BODY_LIMIT_BYTES?: number; INTERNAL_API_TOKEN?: string | undefined };
  /** Default: pino at the config's level. */
  logger?: BuildOptions['logger'] | undefined;
  /** Slow-client limits in ms (docs/limits.md): to send the headers, the whole request. */
  timeouts?: { headersMs?: number; requestMs?: number };
}

/** What every service's `buildApp(config, options)` accepts; a service may add its own. */
export interface BuildOptions {
  /** Off, or pino writing to a stream (the one-process launcher). */
  logger?: false | { level: string; stream: { write(line: string): void } };
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/**
 * A service app with its route plugins' dependencies, which tests and benchmarks read. Passed as
 * plugin options, not a global `declare module 'fastify'`: the three services share one program.
 */
export type AppWith<Deps extends object> = App & { readonly deps: Deps };

export function withDeps<Deps extends object>(app: App, deps: Deps): AppWith<Deps> {
  app.decorate<object>('deps', deps);
  return app as AppWith<Deps>;
}

/**
 * A Fastify instance with what every service shares: zod validation and OpenAPI, Swagger UI at
 * /docs, FastAPI-shaped errors, request ids, health routes and the internal-token guard.
 */
export async function createServer(options: ServerOptions): Promise<App> {
  const { headersMs = 30_000, requestMs = 60_000 } = options.timeouts ?? {};
  const app = Fastify({
    logger: options.logger ?? { level: options.config?.LOG_LEVEL ?? 'info' },
    bodyLimit: options.config?.BODY_LIMIT_BYTES ?? 1_048_576,
    // FastAPI paths end in '/', clients of the original call `/customer/`; accept both forms.
    routerOptions: { ignoreTrailingSlash: true },
    // The caller's x-request-id when it is sane (requestIdOf), else a new UUID.
    requestIdHeader: false,
    genReqId: requestIdOf,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // Explicit server timeouts: a slow client cannot hold a connection forever. Node checks
    // headersTimeout and requestTimeout only every connectionsCheckingInterval (30 s by
    // default), which let a slow client stay ~87 s; checked every second they hold to the
    // second. connectionTimeout is the socket's idle timeout (no byte at all); keepAliveTimeout
    // the idle time between requests on a kept-alive connection.
    connectionTimeout: headersMs,
    keepAliveTimeout: 72_000,
    requestTimeout: requestMs,
    http: {
      headersTimeout: headersMs,
      requestTimeout: requestMs,
      connectionsCheckingInterval: Math.min(1_000, headersMs),
    },
    // Requests after SIGTERM get our own 503 (startDraining below), in the {"detail"} shape, with a request id.
    return503OnClosing: false,
    // Fastify's default (10 s) is shorter than a first start on a busy 2-core machine: creating
    // an embedded PGlite database alone takes ~4 s of CPU, and the three services start at once.
    pluginTimeout: 120_000,
    forceCloseConnections: 'idle',
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  documentSharedErrors(app);
  // JSON only: a text/plain body would otherwise reach validation as a string.
  app.removeContentTypeParser('text/plain');
  // Fastify's JSON parser, but an empty body is no body (a DELETE from a client that always sets
  // the header is any DELETE; a POST without a body gets its schema's 422, not a 400),
  // `__proto__`/`constructor.prototype` keys are dropped as FastAPI drops unknown fields, and
  // lone surrogates become U+FFFD (wellFormed).
  const parse = app.getDefaultJsonParser('remove', 'remove');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const raw = body as string;
    if (raw.trim() === '') return done(null, undefined);
    parse(request, raw, (error, value) => (error ? done(error, undefined) : done(null, wellFormed(value))));
  });
  installNulGuard(app);

  // The request id travels back to the caller and on to downstream services.
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });

  let draining = false;
  app.decorate('startDraining', () => {
    draining = true;
  });
  app.addHook('preClose', async () => {
    draining = true;
  });
  // Before any route: health checks are refused too, so a load balancer stops sending traffic
  // here. Its own serializer: a route's response schema for 503 (`/readyz`) must not reject it.
  app.addHook('onRequest', async (_request, reply) => {
    if (draining) return reply.code(503).type('application/json').serializer(JSON.stringify).send(REFUSED);
  });
  // The client's next request opens a new connection, refused cleanly (503, or connection
  // refused once the listener is closed) instead of racing a closing socket.
  app.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close');
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: options.name, description: options.description, version: '1.0.0' },
      components: { securitySchemes: { serviceToken: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const token = options.config?.INTERNAL_API_TOKEN;
  const expected = token ? Buffer.from(`Bearer ${token}`) : null;
  // Without a token the internal routes are open (local runs): the OpenAPI document says so
  // instead of promising a security requirement nobody checks.
  if (!expected) {
    app.addHook('onRoute', (route) => {
      if (route.schema && 'security' in route.schema) delete route.schema.security;
    });
  }
  app.decorate('requireServiceToken', async (request: FastifyRequest) => {
    if (!expected) return;
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new HttpError(401, 'Missing or invalid service token');
    }
  });
  installHealthRoutes(app, options.name);
  installMetrics(app, options.name);
  return app;
}

const REFUSED = { detail: 'Service is shutting down, retry shortly' };

/** `value` with every lone surrogate in its strings and keys replaced by U+FFFD. */
export function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.toWellFormed();
  // Iterative: bodies may nest deeply. Objects and arrays are fixed in place (the parser made them).
  const stack = value !== null && typeof value === 'object' ? [value as Record<string, unknown>] : [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const key of Object.keys(node)) {
      let item = node[key];
      if (typeof item === 'string') item = item.toWellFormed();
      else if (item !== null && typeof item === 'object') stack.push(item as Record<string, unknown>);
      if (key.isWellFormed()) node[key] = item;
      else {
        delete node[key];
        node[key.toWellFormed()] = item;
      }
    }
  }
  return value;
}
