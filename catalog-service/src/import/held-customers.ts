import { setTimeout as sleep } from 'node:timers/promises';
import { publicErrorMessage } from '@ecom/service-kit';
import type { FastifyBaseLogger } from 'fastify';
import type { UserServiceClient } from '../clients/user-service-client.js';

/** The feed's largest page. */
const PAGE_SIZE = 1_000;
const RETRY_DELAY_MS = 1_000;
const WARN_EVERY_MS = 15_000;

/**
 * The name of every customer user-service holds, by id, and `null` for each it deleted, read from
 * its customer feed (a page per thousand customers, so no call per dataset row). An id missing
 * from the map is one user-service never had. While user-service does not answer (it
 * starts or restarts) this waits, logging progress, for at most `waitMs`, then throws: rows
 * imported unchecked could put purchases in another person's history.
 */
export async function readHeldCustomers(
  users: UserServiceClient,
  log: FastifyBaseLogger,
  waitMs: number,
  signal?: AbortSignal,
): Promise<Map<number, string | null>> {
  const started = Date.now();
  let warnedAt = started;
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    try {
      // user-service listens before its seed has run: until it is ready the feed may lack the
      // file's customers, whose rows would then be rejected as naming no customer.
      await users.ready();
      const held = await readFeed(users);
      if (attempt > 0) log.info({ customers: held.size }, 'user-service answered; importing the dataset');
      return held;
    } catch (err) {
      const waited = Date.now() - started;
      const reason = publicErrorMessage(err);
      if (waited >= waitMs) {
        throw new Error(
          `user-service did not answer for ${Math.round(waited / 1000)} s (${reason}), so the ` +
            "file's customers cannot be checked and nothing was imported; start user-service, then catalog-service " +
            'again (or set IMPORT_ON_START=false)',
          { cause: err },
        );
      }
      if (attempt === 0) {
        log.info({ reason }, "dataset import waiting for user-service, which holds the file's customers");
      } else if (Date.now() - warnedAt >= WARN_EVERY_MS) {
        warnedAt = Date.now();
        const giveUpInSeconds = Math.round((waitMs - waited) / 1000);
        log.warn(
          { reason, waitedSeconds: Math.round(waited / 1000), giveUpInSeconds },
          'dataset import still waiting for user-service',
        );
      }
      // Aborted (shutdown): rejects at once.
      await sleep(RETRY_DELAY_MS, undefined, signal ? { signal } : {});
    }
  }
}

async function readFeed(users: UserServiceClient): Promise<Map<number, string | null>> {
  const held = new Map<number, string | null>();
  for (let after = 0; ; ) {
    const page = await users.changes(after, PAGE_SIZE);
    for (const { customer_id, customer } of page) {
      // Each customer is in the feed once, as they are now; null: deleted.
      held.set(customer_id, customer?.title ?? null);
    }
    const last = page.at(-1);
    if (!last || page.length < PAGE_SIZE) return held;
    after = last.version;
  }
}
