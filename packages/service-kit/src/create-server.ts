import { hostname } from 'node:os';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { installCors } from './cors.js';
import { installDeadline } from './deadline.js';
import { documentSharedErrors } from './documented-errors.js';
import { installDraining } from './draining.js';
import { installErrorHandler } from './error-handler.js';
import { installHealthRoutes } from './health.js';
import { installInternalAuth } from './internal-auth.js';
import { installJsonBodyParser } from './json-body.js';
import { installMetrics } from './metrics.js';
import { openApiTransform } from './openapi-transform.js';
import {
  clientErrorHandler,
  frameworkErrorHandler,
  installNulGuard,
  installRepeatedQueryGuard,
  REQUEST_ID_HEADER,
  requestIdOf,
} from './request-hygiene.js';
import { installStartUp } from './start-up.js';

// Swagger UI runs internal routes for a same-origin page (internal-auth.ts): its own files only
// (it sets inline styles), and never in another site's frame, where a click could be stolen.
const DOCS_CSP =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

interface ServerOptions {
  /** Service name: shown in logs, OpenAPI title and readiness answers. */
  name: string;
  description: string;
  config?: {
    LOG_LEVEL?: string;
    BODY_LIMIT_BYTES?: number;
    INTERNAL_API_TOKEN?: string | undefined;
    CORS_ORIGINS?: string[] | undefined;
  };
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

export function withDeps<Deps extends object>(app: App, deps: Deps | (() => Deps)): AppWith<Deps> {
  // A function: dependencies loaded after the app is built (start-up.ts, loadOnStartUp).
  app.decorate<object>('deps', typeof deps === 'function' ? { getter: deps } : deps);
  return app as AppWith<Deps>;
}

/**
 * One log line per request, once answered, with method, path, status and time: Fastify's
 * "incoming request" line only repeated the first two, doubling a busy service's log.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    const line = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

/**
 * A Fastify instance with what every service shares: zod validation and OpenAPI, Swagger UI at
 * /docs, FastAPI-shaped errors, request ids, health routes, CORS and the internal-token guard.
 */
export async function createServer(options: ServerOptions): Promise<App> {
  const { headersMs = 30_000, requestMs = 60_000 } = options.timeouts ?? {};
  // Every JSON line names its service, for when the three are collected together (containers, a
  // log shipper). pino's `base` replaces its default pid and hostname, so they are set again.
  const base = { pid: process.pid, hostname: hostname(), service: options.name };
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : { ...(options.logger ?? { level: options.config?.LOG_LEVEL ?? 'info' }), base },
    bodyLimit: options.config?.BODY_LIMIT_BYTES ?? 1_048_576,
    // FastAPI paths end in '/', clients of the original call `/customer/`; accept both forms.
    routerOptions: { ignoreTrailingSlash: true },
    // The caller's x-request-id when it is sane (requestIdOf), else a new UUID.
    requestIdHeader: false,
    genReqId: requestIdOf,
    logController: new OneLinePerRequest(),
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // Slow clients (docs/limits.md). Node checks headersTimeout and requestTimeout only every
    // connectionsCheckingInterval (30 s by default: a slow client stayed ~87 s); every second
    // they hold to the second. connectionTimeout: a socket idle without a byte at all.
    connectionTimeout: headersMs,
    keepAliveTimeout: 72_000,
    requestTimeout: requestMs,
    http: {
      headersTimeout: headersMs,
      requestTimeout: requestMs,
      connectionsCheckingInterval: Math.min(1_000, headersMs),
    },
    // Requests after SIGTERM get our own 503 (draining.ts), in the {"detail"} shape, with a request id.
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
  installJsonBodyParser(app);
  installNulGuard(app);
  installRepeatedQueryGuard(app);

  // The request id travels back to the caller and on to downstream services. nosniff: a browser
  // takes a JSON answer that echoes a title or a path as JSON, never as a page or a script.
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id).header('x-content-type-options', 'nosniff');
  });
  installDeadline(app);
  installDraining(app, installStartUp(app).stop);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: options.name, description: options.description, version: '1.0.0' },
      components: { securitySchemes: { serviceToken: { type: 'http', scheme: 'bearer' } } },
    },
    transform: openApiTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CSP });
  await installCors(app, options.config?.CORS_ORIGINS);

  installInternalAuth(app, options.config?.INTERNAL_API_TOKEN);
  installHealthRoutes(app, options.name);
  installMetrics(app, options.name);
  return app;
}
