import { type Customer, type CustomerChange, customerChangeSchema, customerSchema } from '@ecom/contracts';
import { type App, type CallerRequest, JsonClient } from '@ecom/service-kit';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { Config } from '../config.js';

const readySchema = z.object({ status: z.literal('ready') });

/**
 * What catalog-service asks user-service (docs/internal-api.md; its retries, 503 and 502: README,
 * "Choices"), closed with the app. Not a readiness check: catalog reads work without
 * user-service, only purchases and histories need it.
 */
export class UserServiceClient {
  private readonly http: JsonClient;
  /**
   * Found customers only (one created a moment ago is never answered 404 from here), so a burst
   * of purchases or history reads for one customer asks user-service once (README, "Freshness").
   */
  private readonly cache: LRUCache<number, Customer> | null;

  constructor(app: App, config: Config) {
    const ttl = config.CUSTOMER_CACHE_TTL_MS;
    this.cache = ttl > 0 ? new LRUCache({ max: 10_000, ttl }) : null;
    this.http = new JsonClient({
      name: 'user-service',
      baseUrl: config.USER_SERVICE_URL,
      timeoutMs: config.USER_SERVICE_TIMEOUT_MS,
      retries: config.USER_SERVICE_RETRIES,
      backoffMs: 100,
    });
    app.addHook('onClose', () => this.http.close());
  }

  /** `request`: the one this look-up is made for; its id travels on, its deadline bounds the retries. */
  async getCustomer(id: number, request?: CallerRequest): Promise<Customer | null> {
    const cached = this.cache?.get(id);
    if (cached) return cached;
    const customer = await this.http.get(`/customer/${id}`, {
      schema: customerSchema,
      nullOn: [404],
      caller: request,
    });
    if (customer) this.cache?.set(id, customer);
    return customer;
  }

  /**
   * Resolves once user-service is ready; rejects (unavailable) while it is not, e.g. while it
   * seeds its customers after listening, when its feed does not hold them yet.
   */
  async ready(): Promise<void> {
    await this.http.get('/readyz', { schema: readySchema });
  }

  /** Customers written after `afterVersion`, in version order (user-service's customer feed). */
  async changes(afterVersion: number, limit: number): Promise<CustomerChange[]> {
    const path = `/customer/changes/?after_version=${afterVersion}&limit=${limit}`;
    return (await this.http.get(path, { schema: customerChangeSchema.array() })) ?? [];
  }
}
