import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook for internal routes: requires the shared service token when one is configured. */
    requireServiceToken(request: FastifyRequest): Promise<void>;
  }
}

export function installInternalAuth(app: FastifyInstance, token: string | undefined): void {
  const expected = token ? Buffer.from(token) : null;
  // Without a token the internal routes are open (local runs): the OpenAPI document says so
  // instead of promising a security requirement nobody checks.
  if (!expected) {
    app.addHook('onRoute', (route) => {
      if (route.schema && 'security' in route.schema) delete route.schema.security;
    });
  }
  app.decorate('requireServiceToken', async (request: FastifyRequest) => {
    if (!expected) return;
    // The scheme name is case-insensitive (RFC 9110, 11.1); only the token is compared in constant time.
    const [, scheme = '', credentials = ''] = /^(\S+) (.*)$/.exec(request.headers.authorization ?? '') ?? [];
    const given = Buffer.from(scheme.toLowerCase() === 'bearer' ? credentials : '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new HttpError(401, 'Missing or invalid service token');
    }
  });
}
