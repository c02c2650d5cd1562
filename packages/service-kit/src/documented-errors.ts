import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorSchema, validationErrorSchema } from './wire-types.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * What the route calls that can fail on its own: 'database', 'vector store', or another
     * service by name ('user-service'). Its 502/503/504 answers are documented from this list,
     * so the document lists a dependency's failures exactly where a dependency is called.
     */
    dependsOn?: readonly string[];
  }
}

/** A status a route can answer, why, and the detail it then carries. */
type Reason = [status: number, why: string, example: string];

/** What a failing dependency is answered as (error-handler.ts's database errors, JsonClient's). */
function failuresOf(dependency: string): Reason[] {
  if (dependency === 'database') {
    return [
      [503, 'the database is unreachable', 'Database unavailable, try again shortly'],
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
const WITH_PATH_PARAMS: Reason[] = [
  [400, 'malformed URL (bad percent-encoding)', 'Malformed URL: invalid percent-encoding'],
  [414, 'a path parameter is over 100 characters', 'A path parameter is too long'],
];
const WITH_BODY: Reason[] = [
  [400, 'malformed JSON body', 'Malformed JSON body'],
  [413, 'body over BODY_LIMIT_BYTES (1 MiB by default)', 'Request body is too large'],
  [415, 'body not sent as application/json', 'Unsupported content type: send application/json'],
];

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Adds to every operation's documented responses the error answers it can give besides its own:
 * those of the shared layers its inputs go through and of the dependencies it declares
 * (`config.dependsOn`). A route's own entry for a status wins.
 */
export function documentSharedErrors(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    if (!schema || schema.hide) return;
    const dependsOn = route.config?.dependsOn ?? [];
    // Readers (and packages/reliability's documented-statuses test) see why a 502-504 is listed.
    if (dependsOn.length > 0) schema['x-depends-on'] = dependsOn;
    // Dependencies first: the first reason for a status gives its example.
    const reasons = [...dependsOn.flatMap(failuresOf), ...ALWAYS];
    if (schema.params) reasons.push(...WITH_PATH_PARAMS);
    // Fastify reads a body on these methods whether the route takes one or not.
    if (schema.body || [route.method].flat().some((method) => BODY_METHODS.has(method))) {
      reasons.push(...WITH_BODY);
    }
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

const STATUS_DESCRIPTIONS: Record<string, string> = {
  200: 'OK',
  404: 'Not found (the detail says what)',
  409: 'Conflicts with stored data (the detail says what)',
};

/** A DELETE's 204: documented without a body (swagger omits content for a null schema). */
export const noContent = z.undefined().describe('Deleted');
