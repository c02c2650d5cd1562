import type { App } from '@ecom/service-kit';
import type { Config } from '../config.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { OutboxDispatcher } from '../outbox/dispatcher.js';
import { OutboxRepository } from '../repositories/outbox-repository.js';
import type { OutboxSignal } from '../repositories/outbox-writes.js';

/**
 * The outbox and its dispatcher (null when OUTBOX_ENABLED is false; app.ts starts it after the
 * dataset import). recommendation-service is not a readiness check: catalog writes never
 * depend on it.
 */
export function createOutbox(app: App, config: Config, prisma: PrismaClient, exclusiveDatabase: boolean) {
  const outbox = new OutboxRepository(prisma);
  const outboxSignal: OutboxSignal = { notify: () => dispatcher?.wake() };
  const dispatcher = config.OUTBOX_ENABLED
    ? new OutboxDispatcher(outbox, app.log.child({ component: 'outbox' }), config, exclusiveDatabase)
    : null;
  // preClose runs before any onClose hook: the dispatcher stops while Prisma is still open.
  if (dispatcher) app.addHook('preClose', () => dispatcher.close());
  return { outboxSignal, outbox, dispatcher };
}
