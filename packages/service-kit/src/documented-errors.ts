import type { FastifyInstance, HTTPMethods } from 'fastify';
import { z } from 'zod';
import { queryParamsOf, repeatedQueryDetail } from './request-hygiene.js';
import { errorSchema, validationErrorSchema } from './wire-types.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * What the route calls that can fail on its own: 'database', 'vector store', or another
     * service by name ('user-service'). Its 502/503/504 answers are documented from this list,
     * so the document lists a dependency's failures exactly where a dependency is called.
     */
    dependsOn?: readonly string[];
    /** The route reads what a start-up task loads (start-up.ts, loadOnStartUp): 503 until it is loaded. */
    loadedOnStartUp?: boolean;
  }
}

/** A status a route can answer, why, and the detail it then carries. */
type Reason = [status: number, why: string, example: string];

/** What a failing dependency is answered as (error-handler.ts's database errors, JsonClient's). */
function failuresOf(dependency: string): Reason[] {
  if (dependency === 'database') {
    return [
      [503, 'the database is unreachable', 'Database unavailable, try again shortly'],
      [
        503,
        'the database is busy: every connection in use (`Database busy ...`, with `Retry-After`)',
        'Database busy (every connection in use), try again shortly',
      ],
      [
        503,
        'the database is busy: a write met another at the same moment (a deadlock) even after retries',
        'Database busy (a write conflicted with another at the same moment), try again shortly',
      ],
      // node-postgres's query_timeout (packages/db): a query sent may still be applied later.
      [
        504,
        'Postgres did not answer within 10 s; a change may or may not have been applied',
        'Database did not answer in time; the change may or may not have been applied',
      ],
    ];
  }
  return [
    [502, `${dependency} rejected the request or answered something unusable`, `${dependency} answered 500`],
    [503, `${dependency} is unavailable or did not answer in time`, `${dependency} is unavailable (timeout)`],
  ];
}

/** Answers of the shared layers around a route (draining, URL and body parsing, limits). */
const ALWAYS: Reason[] = [[503, 'the service is shutting down', 'Service is shutting down, retry shortly']];
const LOADED_ON_START_UP: Reason = [
  503,
  'the service is still loading at start-up (`detail` says how far, `Retry-After` when to ask again)',
  'Not ready: start-up load running: reading the purchase statistics',
];
const WITH_PATH_PARAMS: Reason[] = [
  [400, 'malformed URL (bad percent-encoding)', 'Malformed URL: invalid percent-encoding'],
  [414, 'a path parameter is over 100 characters', 'A path parameter is too long'],
];
const WITH_BODY: Reason[] = [
  [400, 'malformed JSON body, or bytes that are not UTF-8', 'Malformed JSON body'],
  [413, 'body over BODY_LIMIT_BYTES (1 MiB by default)', 'Request body is too large'],
  [415, 'body not sent as application/json', 'Unsupported content type: send application/json'],
];

/** Node's HTTP parser refuses these before any route runs (request-hygiene.ts, clientErrorHandler). */
const HTTP_PARSER: Reason[] = [
  [400, 'a header the HTTP parser refuses', 'Malformed HTTP request'],
  [
    408,
    'the request was not received within the time limit (docs/limits.md)',
    'Request not received in time',
  ],
  [431, 'request headers over 16 KiB', 'Request headers are too large'],
];

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Adds to every operation's documented responses the error answers it can give besides its own:
 * those of the shared layers its inputs go through and of the dependencies it declares
 * (`config.dependsOn`). A route's own entry for a status wins.
 */
export function documentSharedErrors(app: FastifyInstance): void {
  const routes: RouteShape[] = [];
  documentShadowedMethods(app, routes);
  app.addHook('onRoute', (route) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    routes.push({ methods: [route.method].flat(), url: route.url, schema });
    if (!schema || schema.hide) return;
    const dependsOn = route.config?.dependsOn ?? [];
    // Readers (and packages/reliability's documented-statuses test) see why a 502-504 is listed.
    if (dependsOn.length > 0) schema['x-depends-on'] = dependsOn;
    // Dependencies first: the first reason for a status gives its example.
    const reasons = [...dependsOn.flatMap(failuresOf), ...ALWAYS];
    if (route.config?.loadedOnStartUp) reasons.push(LOADED_ON_START_UP);
    if (schema.params) reasons.push(...WITH_PATH_PARAMS);
    const [queryParam] = queryParamsOf(schema);
    if (queryParam)
      reasons.push([400, 'a query parameter given more than once', repeatedQueryDetail(queryParam)]);
    // Fastify reads a body on these methods whether the route takes one or not.
    if (schema.body || [route.method].flat().some((method) => BODY_METHODS.has(method))) {
      reasons.push(...WITH_BODY);
    }
    reasons.push(...HTTP_PARSER);
    const added: Record<string, z.ZodType> = {};
    if (schema.params || schema.querystring || schema.body) {
      added[422] = validationErrorSchema.describe('Invalid input: one entry per problem (FastAPI shape)');
    }
    for (const [status, , example] of reasons) {
      if (added[status]) continue;
      const why = reasons.filter((reason) => reason[0] === status).map((reason) => reason[1]);
      // Capitalised unless it starts with a service's name ("user-service is unavailable").
      const description = why.join('; ').replace(/^[a-z](?=[a-z]* )/, (first) => first.toUpperCase());
      added[status] = errorSchema.describe(description).meta({ example: { detail: example } });
    }
    const responses = { ...added, ...((schema.response as object | undefined) ?? {}) };
    // A status whose schema has no description of its own gets the generic one.
    schema.response = Object.fromEntries(
      Object.entries(responses).map(([status, response]) => {
        const fallback = STATUS_DESCRIPTIONS[status];
        const bare = fallback && response instanceof z.ZodType && !response.description;
        return [status, bare ? response.describe(fallback) : response];
      }),
    );
  });
}

interface RouteShape {
  methods: string[];
  url: string;
  schema: Record<string, unknown> | undefined;
}

/**
 * A literal path served under other methods only (`POST /recommendation/reindex`) reaches a
 * parameter route of this method (`GET /recommendation/{customer_id}`) when the literal stands
 * where the parameter is; if the parameter refuses it, error-handler.ts answers 405 with `Allow`.
 * Known only once every route is registered; @fastify/swagger reads the same schema objects later.
 */
function documentShadowedMethods(app: FastifyInstance, routes: RouteShape[]): void {
  app.addHook('onReady', async () => {
    for (const route of routes) {
      const response = route.schema?.response as Record<string, unknown> | undefined;
      const params = route.schema?.params;
      if (!response || !(params instanceof z.ZodObject) || response[405]) continue;
      const literal = routes.find((other) => reachesRefused(app, other.url, route, params));
      if (!literal) continue;
      const allowed = [...new Set(routes.flatMap((r) => (r.url === literal.url ? r.methods : [])))]
        .sort()
        .join(', ');
      const detail = `Method ${route.methods[0]} not allowed on ${literal.url}; use ${allowed}`;
      response[405] = errorSchema
        .describe(
          `Method not allowed: a path such as ${literal.url} is another operation's (header \`Allow\`)`,
        )
        .meta({ example: { detail } });
    }
  });
}

/** Whether the router sends the literal path `url` to `route`, whose parameters then refuse it. */
function reachesRefused(app: FastifyInstance, url: string, route: RouteShape, params: z.ZodObject): boolean {
  const found = !url.includes(':') && app.findRoute({ method: route.methods[0] as HTTPMethods, url });
  if (!found) return false;
  // A parameter the router did not fill (another route took the path) stays `:name`: no match.
  const filled = route.url.replace(/:(\w+)/g, (_, name: string) => found.params[name] ?? `:${name}`);
  return trimSlash(filled) === trimSlash(url) && !params.safeParse(found.params).success;
}

const trimSlash = (url: string) => url.replace(/\/$/, '');

const STATUS_DESCRIPTIONS: Record<string, string> = {
  200: 'OK',
  404: 'Not found (the detail says what)',
  409: 'Conflicts with stored data (the detail says what)',
};

/** A DELETE's 204: documented without a body (swagger omits content for a null schema). */
export const noContent = z.undefined().describe('Deleted');
