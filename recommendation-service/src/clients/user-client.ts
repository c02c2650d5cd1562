import { type Customer, type CustomerChange, customerChangeSchema, customerSchema } from '@ecom/contracts';
import { JsonClient } from '@ecom/service-kit';
import { z } from 'zod';

export type { Customer, CustomerChange };

/** user-service's customer feed, profiles the directory cannot give, the dashboard's search and counts. */
export class UserClient {
  private readonly http: JsonClient;

  constructor(options: { baseUrl: string; timeoutMs: number }) {
    this.http = new JsonClient({ name: 'user-service', retries: 1, ...options });
  }

  /** Customers whose name contains `text`, ignoring case, by id. */
  async search(text: string, limit: number, requestId?: string): Promise<Customer[]> {
    const query = new URLSearchParams({ q: text, limit: String(limit) });
    return (await this.http.get(`/customer/?${query}`, { schema: customerSchema.array(), requestId })) ?? [];
  }

  async customer(customerId: number, requestId?: string): Promise<Customer | null> {
    return this.http.get(`/customer/${customerId}`, { schema: customerSchema, nullOn: [404], requestId });
  }

  /** Customers written after `afterVersion`, in version order (user-service's customer feed). */
  async customerChanges(afterVersion: number, limit: number): Promise<CustomerChange[]> {
    return (
      (await this.http.get(`/customer/changes/?after_version=${afterVersion}&limit=${limit}`, {
        schema: customerChangeSchema.array(),
      })) ?? []
    );
  }

  /** user-service's Prometheus text (the customer count, for the dashboard). */
  async metricsText(): Promise<string> {
    // Not JSON: the client hands back the raw text when the body does not parse as JSON.
    return (await this.http.get('/metrics', { schema: z.string() })) ?? '';
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
