import { randomUUID } from 'node:crypto';
import { JsonClient } from '@ecom/service-kit';
import type { ProductPayload } from '../repositories/outbox-repository.js';

export interface RecommendationClientOptions {
  baseUrl: string;
  timeoutMs: number;
  internalApiToken?: string | undefined;
}

/**
 * The outbox dispatcher's calls to recommendation-service (docs/internal-api.md). No retries
 * here: the dispatcher retries with its own backoff and keeps the jobs until acknowledged.
 */
export class RecommendationClient {
  private readonly http: JsonClient;

  constructor(private readonly options: RecommendationClientOptions) {
    this.http = new JsonClient({
      name: 'recommendation-service',
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      retries: 0,
      connections: 4,
      headers: options.internalApiToken ? { authorization: `Bearer ${options.internalApiToken}` } : {},
    });
  }

  /** The original single-product endpoint: also understood by the original Python service. */
  async vectorize(product: ProductPayload, signal: AbortSignal): Promise<void> {
    await this.http.post('/recommendation/vectorize_product', product, this.callOptions(signal));
  }

  async upsertBatch(products: ProductPayload[], signal: AbortSignal): Promise<void> {
    await this.http.post('/recommendation/products/batch', { products }, this.callOptions(signal));
  }

  async deleteBatch(productIds: number[], signal: AbortSignal): Promise<void> {
    await this.http.post(
      '/recommendation/products/delete',
      { product_ids: productIds },
      this.callOptions(signal),
    );
  }

  /** These customers' purchases changed: recommendation-service drops its cached histories. */
  async customersChanged(customerIds: number[], signal: AbortSignal): Promise<void> {
    await this.http.post(
      '/recommendation/customers/changed',
      { customer_ids: customerIds },
      this.callOptions(signal),
    );
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private callOptions(stop: AbortSignal) {
    // The per-call deadline still applies when the dispatcher passes its stop signal.
    return {
      signal: AbortSignal.any([stop, AbortSignal.timeout(this.options.timeoutMs)]),
      requestId: randomUUID(),
    };
  }
}
