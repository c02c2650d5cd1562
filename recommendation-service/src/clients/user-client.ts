import { type Customer, type CustomerChange, customerChangeSchema, customerSchema } from '@ecom/contracts';
import type { CallerRequest } from '@ecom/service-kit';
import { ServiceClient } from './service-client.js';

export type { Customer };

/** user-service's customer feed, profiles the directory cannot give, the dashboard's search and counts. */
export class UserClient extends ServiceClient {
  constructor(options: { baseUrl: string; timeoutMs: number }) {
    super({ name: 'user-service', retries: 1, ...options });
  }

  /** Customers whose name contains `text`, ignoring case, by id. */
  async search(text: string, limit: number, request?: CallerRequest): Promise<Customer[]> {
    const query = new URLSearchParams({ q: text, limit: String(limit) });
    return this.list(`/customer/?${query}`, customerSchema, request);
  }

  async customer(customerId: number, request?: CallerRequest): Promise<Customer | null> {
    return this.http.get(`/customer/${customerId}`, {
      schema: customerSchema,
      nullOn: [404],
      caller: request,
    });
  }

  /** Customers written after `afterVersion`, in version order (user-service's customer feed). */
  async customerChanges(afterVersion: number, limit: number): Promise<CustomerChange[]> {
    return this.list(`/customer/changes/?after_version=${afterVersion}&limit=${limit}`, customerChangeSchema);
  }
}
