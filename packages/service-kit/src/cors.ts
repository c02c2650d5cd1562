import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

/** Pages, not API reads: Swagger UI and recommendation-service's staff dashboard stay same-origin. */
const SAME_ORIGIN_ONLY = /^\/(docs|dashboard)(\/|$)/;
const READ_METHODS = ['GET', 'HEAD'];

/** The path as the router reads it (`/%64ashboard` reaches /dashboard); as sent when malformed. */
function decodedPath(url: string): string {
  const path = url.split('?')[0] ?? '/';
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * Lets pages of `origins` (CORS_ORIGINS; unset: no CORS at all, as before) read the public
 * GET/HEAD routes, with the headers a list answer carries. Writes and internal routes stay
 * same-origin: their preflight is refused with a 403 that says why, as is one from another origin.
 */
export async function installCors(app: FastifyInstance, origins: string[] | undefined): Promise<void> {
  if (!origins) return;
  const allowed: FastifyCorsOptions = {
    origin: origins,
    methods: READ_METHODS,
    exposedHeaders: ['X-Total-Count', 'X-Request-Id'],
  };
  const readable = (method: string, path: string) =>
    READ_METHODS.includes(method) && !SAME_ORIGIN_ONLY.test(path);
  await app.register(cors, {
    // Per request: @fastify/cors answers every preflight from one catch-all OPTIONS route.
    delegator: async (request: FastifyRequest) => {
      const path = decodedPath(request.url);
      const origin = request.headers.origin;
      const wanted = request.headers['access-control-request-method'];
      if (request.method !== 'OPTIONS') return readable(request.method, path) ? allowed : { origin: false };
      // An OPTIONS that is no preflight goes on to the 405 it always got.
      if (!origin || !wanted) return { origin: false };
      if (!origins.includes('*') && !origins.includes(origin)) {
        throw new HttpError(403, `Cross-origin requests from ${origin} are not allowed (CORS_ORIGINS)`);
      }
      if (!readable(wanted, path)) {
        const rule = 'other origins may only read (GET, HEAD) the public routes, not /docs or /dashboard';
        throw new HttpError(403, `Cross-origin ${wanted} ${path} is not allowed: ${rule}`);
      }
      return allowed;
    },
  });
}
