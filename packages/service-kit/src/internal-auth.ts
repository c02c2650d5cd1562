import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';
import { errorSchema } from './wire-types.js';

const UNAUTHORIZED = 'Missing or invalid service token';
const CROSS_SITE = 'Cross-site request refused: internal routes answer servers and pages of this service';
const NAMED_HOST =
  'Browser request refused: without INTERNAL_API_TOKEN, internal routes answer pages opened at an IP address or localhost';

/**
 * A browser's request from a page of another site (or another port): Fetch Metadata says so, or,
 * in a browser without it, an Origin that is not this host. Servers and curl send neither.
 */
const fromAnotherPage = (request: FastifyRequest) => {
  const site = request.headers['sec-fetch-site'];
  if (site) return site !== 'same-origin' && site !== 'none';
  const { origin } = request.headers;
  return origin !== undefined && origin !== `http://${request.host}` && origin !== `https://${request.host}`;
};

/**
 * A browser's request to a host name: a page of a site whose name was re-pointed at this machine
 * (DNS rebinding) is "same-origin" for the browser, so only the name tells it apart.
 */
const browserAtNamedHost = (request: FastifyRequest) => {
  const fromBrowser = request.headers['sec-fetch-site'] !== undefined || request.headers.origin !== undefined;
  const name = request.hostname.replace(/^\[(.*)\]$/, '$1');
  return fromBrowser && name !== 'localhost' && isIP(name) === 0;
};

/**
 * A route that declares a `security` requirement is internal. With a token configured it is
 * guarded (401 before the body is read) and documents that 401; without one (local runs) it
 * answers servers, and a browser request from another page or to a host name is a 403 (a page on
 * any site could otherwise start a re-index with a "simple" POST, no preflight, or through DNS
 * rebinding); its OpenAPI document says so instead of promising a requirement nobody checks.
 */
export function installInternalAuth(app: FastifyInstance, token: string | undefined): void {
  const expected = Buffer.from(token ?? '');
  const requireServiceToken = async (request: FastifyRequest) => {
    // The scheme name is case-insensitive (RFC 9110, 11.1); only the token is compared in constant time.
    const [, scheme = '', credentials = ''] = /^(\S+) (.*)$/.exec(request.headers.authorization ?? '') ?? [];
    const given = Buffer.from(scheme.toLowerCase() === 'bearer' ? credentials : '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new HttpError(401, UNAUTHORIZED);
    }
  };
  const refuseOtherPages = async (request: FastifyRequest) => {
    if (fromAnotherPage(request)) throw new HttpError(403, CROSS_SITE);
    if (browserAtNamedHost(request)) throw new HttpError(403, NAMED_HOST);
  };
  const refused = token
    ? { 401: errorSchema.describe(UNAUTHORIZED).meta({ example: { detail: UNAUTHORIZED } }) }
    : {
        403: errorSchema
          .describe(
            'A browser request from a page of another site, or to a host name rather than an IP address or localhost (no INTERNAL_API_TOKEN set)',
          )
          .meta({ example: { detail: CROSS_SITE } }),
      };
  app.addHook('onRoute', (route) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    if (!schema?.security) return;
    if (!token) delete schema.security;
    route.onRequest = [...[route.onRequest ?? []].flat(), token ? requireServiceToken : refuseOtherPages];
    schema.response = { ...refused, ...(schema.response as object | undefined) };
  });
}
