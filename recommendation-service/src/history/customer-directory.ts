import type { FastifyBaseLogger } from 'fastify';
import type { Customer, UserClient } from '../clients/user-client.js';
import { PollingLoop } from '../sync/polling-loop.js';

const PAGE_SIZE = 1_000;

/**
 * Customers as user-service's feed (`GET /customer/changes/`) last said, so a first
 * recommendation asks nobody (issue 10). A customer not listed is asked of user-service, and
 * after a failed or late poll the directory answers nothing: "does it exist" is never older.
 */
export class CustomerDirectory extends PollingLoop {
  private readonly customers = new Map<number, Customer>();
  private version = 0;
  /** When the last poll that worked started (null: none yet, or the last one failed). */
  syncedAt: number | null = null;
  /** Told of the customers each page says were deleted, before the directory drops them. */
  onDeleted: (customerIds: number[]) => Promise<void> = async () => {};

  constructor(
    private readonly users: Pick<UserClient, 'customerChanges'>,
    private readonly intervalMs: number,
    log: FastifyBaseLogger,
  ) {
    super(log);
  }

  /** The customer as of a recent enough poll; undefined when it cannot say: ask user-service. */
  get(customerId: number): Customer | undefined {
    if (this.syncedAt === null || Date.now() - this.syncedAt > 3 * this.intervalMs + 1_000) return undefined;
    return this.customers.get(customerId);
  }

  get size(): number {
    return this.customers.size;
  }

  /** One poll: every change after the last version seen, page by page. */
  protected async tick(): Promise<number> {
    try {
      const started = Date.now();
      for (;;) {
        const page = await this.users.customerChanges(this.version, PAGE_SIZE);
        const deleted = page.filter((change) => !change.customer).map((change) => change.customer_id);
        // First: if that fails, the next poll reads this page again.
        if (deleted.length > 0) await this.onDeleted(deleted);
        for (const change of page) {
          if (change.customer) this.customers.set(change.customer_id, change.customer);
          else this.customers.delete(change.customer_id);
          this.version = Math.max(this.version, change.version);
        }
        if (page.length < PAGE_SIZE || this.stopping) break;
      }
      // Current as of the poll's start: a change after it may not be in the last page.
      this.syncedAt = started;
      this.succeeded('user-service customer feed reachable again');
    } catch (err) {
      // Not known to be current any more: customers are asked of user-service until a poll works.
      this.syncedAt = null;
      this.failed(err, 'user-service customer feed unavailable; first recommendations ask user-service');
    }
    return this.intervalMs;
  }
}
