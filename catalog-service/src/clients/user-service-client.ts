import { JsonClient } from '@ecom/service-kit';
import { z } from 'zod';

export const customerSchema = z.object({
  id: z.number().int(),
  title: z.string(),
  gender: z.string(),
  age: z.number().int(),
  location: z.string(),
  preference: z.string(),
});

export type Customer = z.infer<typeof customerSchema>;

export interface UserServiceClientOptions {
  baseUrl: string;
  timeoutMs: number;
  retries: number;
}

/**
 * What catalog-service asks user-service (docs/internal-api.md). Look-ups are GETs, so they
 * are retried with backoff; down or too slow ends as ServiceUnavailableError (503,
 * "user-service is unavailable (...)"), a 5xx answer as 502/503.
 */
export class UserServiceClient {
  private readonly http: JsonClient;

  constructor(options: UserServiceClientOptions) {
    this.http = new JsonClient({
      name: 'user-service',
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      backoffMs: 100,
    });
  }

  /** The customer, or null when user-service does not know the id. */
  getCustomer(id: number, requestId?: string): Promise<Customer | null> {
    return this.http.get(`/customer/${id}`, { schema: customerSchema, nullOn: [404], requestId });
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
