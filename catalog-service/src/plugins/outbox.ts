import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { RecommendationClient } from '../clients/recommendation-client.js';
import type { Config } from '../config.js';
import { OutboxDispatcher } from '../outbox/dispatcher.js';
import { OutboxSignal } from '../outbox/signal.js';
import { OutboxRepository } from '../repositories/outbox-repository.js';

declare module 'fastify' {
  interface FastifyInstance {
    outboxSignal: OutboxSignal;
    outbox: OutboxRepository;
    /** Null when OUTBOX_ENABLED=false: jobs are still written, another instance delivers. */
    dispatcher: OutboxDispatcher | null;
  }
}

/**
 * The outbox and its dispatcher. The dispatcher starts once the app is ready (after the
 * dataset import) and stops before the database closes. recommendation-service is not a
 * readiness check: catalog writes never depend on it.
 */
export default fp(
  async function outboxPlugin(app: FastifyInstance, opts: { config: Config }) {
    const { config } = opts;
    const signal = new OutboxSignal();
    const outbox = new OutboxRepository(app.prisma);
    app.decorate('outboxSignal', signal);
    app.decorate('outbox', outbox);
    if (!config.OUTBOX_ENABLED) {
      app.decorate('dispatcher', null);
      return;
    }
    const client = new RecommendationClient({
      baseUrl: config.RECOMMENDATION_SERVICE_URL,
      timeoutMs: config.RECOMMENDATION_SERVICE_TIMEOUT_MS,
      internalApiToken: config.INTERNAL_API_TOKEN,
    });
    const dispatcher = new OutboxDispatcher({
      outbox,
      client,
      signal,
      log: app.log.child({ component: 'outbox' }),
      batchSize: config.OUTBOX_BATCH_SIZE,
      pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
      minBackoffMs: config.OUTBOX_MIN_BACKOFF_MS,
      maxBackoffMs: config.OUTBOX_MAX_BACKOFF_MS,
      callTimeoutMs: config.RECOMMENDATION_SERVICE_TIMEOUT_MS,
      exclusiveDatabase: app.databaseKind === 'pglite',
    });
    app.decorate('dispatcher', dispatcher);
    // preClose runs before any onClose hook: the dispatcher stops while Prisma is still open.
    app.addHook('preClose', async () => {
      await dispatcher.close();
      await client.close();
    });
  },
  { name: 'outbox' },
);
