import { type CustomerPurchases, customerPurchasesSchema } from '@ecom/contracts';
import { JsonClient, NotFoundError } from '@ecom/service-kit';
import { z } from 'zod';

export type { CustomerPurchases };

const feedItem = z.object({
  id: z.number(),
  customer_id: z.number(),
  product_id: z.number(),
  category_id: z.number(),
  purchased_at: z.string().optional(),
});
export type PurchaseFeedItem = z.infer<typeof feedItem>;

const productItem = z.object({
  id: z.number(),
  title: z.string(),
  category_id: z.number(),
  description: z.string().optional().nullable(),
  tags: z.array(z.string()),
});
export type CatalogProduct = z.infer<typeof productItem>;

const outboxStatusSchema = z.object({ enabled: z.boolean(), pending_products: z.number() });
export type OutboxStatus = z.infer<typeof outboxStatusSchema>;

const categoryItem = z.object({ id: z.number(), title: z.string() });
export type CatalogCategory = z.infer<typeof categoryItem>;

export interface CatalogClientOptions {
  baseUrl: string;
  timeoutMs: number;
  retries: number;
}

/** Typed client for what recommendation-service asks of catalog-service (docs/internal-api.md). */
export class CatalogClient {
  private readonly http: JsonClient;

  constructor(options: CatalogClientOptions) {
    this.http = new JsonClient({ name: 'catalog-service', ...options });
  }

  /** The customer's profile and purchases, newest first. Throws NotFoundError for an unknown customer. */
  async purchaseHistory(customerId: number, requestId?: string): Promise<CustomerPurchases> {
    const history = await this.http.get(`/Purchases/customer_purchased_products/${customerId}`, {
      schema: customerPurchasesSchema,
      nullOn: [404],
      requestId,
    });
    if (!history) throw new NotFoundError(`Customer ${customerId} not found`);
    return history;
  }

  /** Purchases with id > afterId, oldest first. */
  async purchasesAfter(afterId: number, limit: number): Promise<PurchaseFeedItem[]> {
    const page = await this.http.get(`/Purchases/?after_id=${afterId}&limit=${limit}`, {
      schema: z.array(feedItem),
    });
    return page ?? [];
  }

  async products(skip: number, limit: number): Promise<CatalogProduct[]> {
    return (
      (await this.http.get(`/products/?skip=${skip}&limit=${limit}`, { schema: z.array(productItem) })) ?? []
    );
  }

  /** The outbox's backlog: how many products it still has to deliver to this service. */
  async outboxStatus(): Promise<OutboxStatus> {
    const status = await this.http.get('/outbox/status', { schema: outboxStatusSchema });
    return status ?? { enabled: false, pending_products: 0 };
  }

  /** Whether catalog-service has this category (a 404 says it does not). */
  async hasCategory(categoryId: number, requestId?: string): Promise<boolean> {
    const category = { schema: categoryItem, nullOn: [404], requestId };
    return (await this.http.get(`/category/${categoryId}`, category)) !== null;
  }

  async categories(skip: number, limit: number): Promise<CatalogCategory[]> {
    return (
      (await this.http.get(`/category/?skip=${skip}&limit=${limit}`, { schema: z.array(categoryItem) })) ?? []
    );
  }

  /** One product with its description and tags; null when catalog-service does not have it. */
  async product(productId: number, requestId?: string): Promise<CatalogProduct | null> {
    return this.http.get(`/products/${productId}`, { schema: productItem, nullOn: [404], requestId });
  }

  /** catalog-service's Prometheus text (its counts and outbox backlog, for the dashboard). */
  async metricsText(): Promise<string> {
    // Not JSON: the client hands back the raw text when the body does not parse as JSON.
    return (await this.http.get('/metrics', { schema: z.string() })) ?? '';
  }

  async ping(): Promise<void> {
    await this.http.get('/healthz');
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
