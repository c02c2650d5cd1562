import { type CallerRequest, JsonClient, type JsonClientOptions } from '@ecom/service-kit';
import { z } from 'zod';

/** What both downstream clients share: the pool, list pages, /metrics text (dashboard counts), close. */
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

  /** A page of one of the service's lists. */
  protected async list<T>(path: string, item: z.ZodType<T>, request?: CallerRequest): Promise<T[]> {
    return (await this.http.get(path, { schema: z.array(item), caller: request })) ?? [];
  }
}
