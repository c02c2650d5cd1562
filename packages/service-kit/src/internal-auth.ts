import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';
import { errorSchema } from './wire-types.js';

/**
 * A route that declares a `security` requirement is internal. With a token configured it is
 * guarded (401 before the body is read) and documents that 401; without one it is open (local
 * runs), and its OpenAPI document says so instead of promising a requirement nobody checks.
 */
export function installInternalAuth(app: FastifyInstance, token: string | undefined): void {
  if (!token) {
    app.addHook('onRoute', (route) => {
      if (route.schema && 'security' in route.schema) delete route.schema.security;
    });
    return;
  }
  const expected = Buffer.from(token);
  const requireServiceToken = async (request: FastifyRequest) => {
    // The scheme name is case-insensitive (RFC 9110, 11.1); only the token is compared in constant time.
    const [, scheme = '', credentials = ''] = /^(\S+) (.*)$/.exec(request.headers.authorization ?? '') ?? [];
    const given = Buffer.from(scheme.toLowerCase() === 'bearer' ? credentials : '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new HttpError(401, 'Missing or invalid service token');
    }
  };
  app.addHook('onRoute', (route) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    if (!schema?.security) return;
    route.onRequest = [...[route.onRequest ?? []].flat(), requireServiceToken];
    const detail = 'Missing or invalid service token';
    const unauthorized = errorSchema.describe(detail).meta({ example: { detail } });
    schema.response = { 401: unauthorized, ...(schema.response as object | undefined) };
  });
}
