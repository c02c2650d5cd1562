import type { App } from '@ecom/service-kit';
import type { Config } from '../config.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { OutboxDispatcher } from '../outbox/dispatcher.js';
import { OutboxRepository } from '../repositories/outbox-repository.js';
import type { OutboxSignal } from '../repositories/outbox-writes.js';

/**
 * The outbox and its dispatcher (null when OUTBOX_ENABLED is false), which starts once the app is ready (after the dataset
 * import, app.ts) and stops before the database closes. recommendation-service is not a
 * readiness check: catalog writes never depend on it.
 */
export function createOutbox(app: App, config: Config, prisma: PrismaClient, exclusiveDatabase: boolean) {
  const outbox = new OutboxRepository(prisma);
  const outboxSignal: OutboxSignal = { notify: () => dispatcher?.wake() };
  const log = app.log.child({ component: 'outbox' });
  const dispatcher = config.OUTBOX_ENABLED
    ? new OutboxDispatcher(outbox, log, config, exclusiveDatabase)
    : null;
  // preClose runs before any onClose hook: the dispatcher stops while Prisma is still open.
  if (dispatcher) app.addHook('preClose', () => dispatcher.close());
  return { outboxSignal, outbox, dispatcher };
}
