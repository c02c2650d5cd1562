import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
// Brings in the startUpState decorator's type.
import type {} from './start-up.js';

type Readiness = Record<string, 'ok' | 'unavailable'>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Plugins add a check per external resource; `/readyz` runs them all. */
    addReadinessCheck(name: string, check: () => Promise<void>): void;
    /** Runs every readiness check (bounded by a timeout each): `ok` or `unavailable` per name. */
    checkReadiness(): Promise<Readiness>;
  }
}

const CHECK_TIMEOUT_MS = 2_000;
const checks = z.record(z.string(), z.string());

export function installHealthRoutes(app: FastifyInstance, serviceName: string): void {
  const registered = new Map<string, () => Promise<void>>();
  app.decorate('addReadinessCheck', (name: string, check: () => Promise<void>) => {
    registered.set(name, check);
  });
  app.decorate('checkReadiness', async () => {
    // The timer is unref'd: a check left hanging does not hold the process.
    const timeout = () => sleep(CHECK_TIMEOUT_MS, undefined, { ref: false }).then(() => Promise.reject());
    const states = [...registered].map(([name, check]) =>
      Promise.race([check(), timeout()]).then(
        () => [name, 'ok'],
        () => [name, 'unavailable'],
      ),
    );
    return Object.fromEntries(await Promise.all(states));
  });

  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'getHealth',
        tags: ['health'],
        summary: 'Liveness: the process answers',
        response: {
          200: z
            .object({ status: z.literal('ok'), service: z.string() })
            .describe('The process answers')
            .meta({ example: { status: 'ok', service: 'catalog-service' } }),
        },
      },
      logLevel: 'warn',
    },
    async () => ({ status: 'ok' as const, service: serviceName }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'getReadiness',
        tags: ['health'],
        summary: 'Readiness: start-up work done and every dependency this service needs answers',
        response: {
          200: z
            .object({ status: z.literal('ready'), checks })
            .describe('Every dependency answers')
            .meta({ example: { status: 'ready', checks: { database: 'ok', 'user-service': 'ok' } } }),
          // Draining (draining.ts) answers before the checks run: a 503 without `checks`.
          503: z
            .object({ detail: z.string(), checks: checks.optional() })
            .describe(
              'A dependency does not answer (each check says which), start-up work still runs (a dataset import, a seed, a load: `detail` names it and says how far; start-up.ts), or the service is shutting down',
            )
            .meta({
              example: {
                detail: 'Not ready: user-service unavailable',
                checks: { database: 'ok', 'user-service': 'unavailable' },
              },
            }),
        },
      },
      logLevel: 'warn',
    },
    async (_request, reply) => {
      // Read before the checks run: a load that ends meanwhile may add a check this answer missed.
      const starting = app.startUpState();
      const results = await app.checkReadiness();
      const failed = Object.keys(results).filter((name) => results[name] !== 'ok');
      if (failed.length === 0 && !starting) return { status: 'ready' as const, checks: results };
      const reasons = failed.length > 0 ? [`${failed.sort().join(', ')} unavailable`] : [];
      if (starting) reasons.unshift(starting);
      return reply.code(503).send({ detail: `Not ready: ${reasons.join('; ')}`, checks: results });
    },
  );
}
