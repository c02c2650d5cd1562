import { JsonClient, type JsonClientOptions } from '@ecom/service-kit';
import { z } from 'zod';

/** What both downstream clients share: the pool, the Prometheus text (the dashboard's counts), close. */
export class ServiceClient {
  protected readonly http: JsonClient;

  constructor(options: JsonClientOptions) {
    this.http = new JsonClient(options);
  }

  async metricsText(): Promise<string> {
    // Not JSON: the client hands back the raw text when the body does not parse as JSON.
    return (await this.http.get('/metrics', { schema: z.string() })) ?? '';
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
