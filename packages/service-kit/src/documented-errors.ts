import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorSchema, validationErrorSchema } from './wire-types.js';

const detail = (description: string, example: string) =>
  errorSchema.describe(description).meta({ example: { detail: example } });

/**
 * Answers of the shared layers around a route (parser, validation, limits, shutdown), added to
 * every operation's documented responses so it lists every status it can answer; a route's own
 * entry for a status wins.
 */
const ALWAYS = {
  503: detail(
    'Shutting down, or the database is unreachable: retry shortly',
    'Database unavailable, try again shortly',
  ),
  // Postgres's client-side query_timeout (packages/db): a query sent may still be applied later.
  504: detail(
    'Postgres did not answer within 10 s; a change may or may not have been applied',
    'Database did not answer in time; the change may or may not have been applied',
  ),
};
const WITH_INPUT = {
  422: validationErrorSchema.describe('Invalid input: one entry per problem (FastAPI shape)'),
  400: detail('Malformed URL (bad percent-encoding)', 'Malformed URL: invalid percent-encoding'),
};
const WITH_PATH_PARAMS = {
  414: detail('A path parameter is over 100 characters', 'A path parameter is too long'),
};
const WITH_BODY = {
  400: detail('Malformed JSON body (or a malformed URL)', 'Malformed JSON body'),
  413: detail('Body over BODY_LIMIT_BYTES (1 MiB by default)', 'Request body is too large'),
  415: detail('Body not sent as application/json', 'Unsupported content type: send application/json'),
};

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function documentSharedErrors(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    if (!schema || schema.hide) return;
    const added: Record<string, z.ZodType> = { ...ALWAYS };
    if (schema.params || schema.querystring || schema.body) Object.assign(added, WITH_INPUT);
    if (schema.params) Object.assign(added, WITH_PATH_PARAMS);
    // Fastify reads a body on these methods whether the route takes one or not.
    if (schema.body || [route.method].flat().some((method) => BODY_METHODS.has(method))) {
      Object.assign(added, WITH_BODY);
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
  401: 'Missing or invalid service token',
  404: 'Not found (the detail says what)',
  409: 'Conflicts with stored data (the detail says what)',
  502: 'A service this one calls failed',
  503: 'A service this one needs is unavailable: retry shortly',
};

/** A DELETE's 204: documented without a body (swagger omits content for a null schema). */
export const noContent = z.undefined().describe('Deleted');
