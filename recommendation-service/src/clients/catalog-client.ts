import {
  type CustomerPurchases,
  categorySchema,
  customerPurchasesSchema,
  outboxStatusSchema,
  productSchema,
  purchaseFeedItemSchema,
} from '@ecom/contracts';
import { type CallerRequest, found } from '@ecom/service-kit';
import { ServiceClient } from './service-client.js';

export type { CustomerPurchases };

/** Typed client for what recommendation-service asks of catalog-service (docs/internal-api.md). */
export class CatalogClient extends ServiceClient {
  constructor(options: { baseUrl: string; timeoutMs: number; retries: number }) {
    super({ name: 'catalog-service', ...options });
  }

  /** The customer's profile and purchases, newest first. Throws NotFoundError for an unknown customer. */
  async purchaseHistory(customerId: number, request?: CallerRequest): Promise<CustomerPurchases> {
    const history = await this.http.get(`/Purchases/customer_purchased_products/${customerId}`, {
      schema: customerPurchasesSchema,
      nullOn: [404],
      caller: request,
    });
    return found(history, `Customer ${customerId}`);
  }

  /** Purchases with id > afterId, oldest first. */
  purchasesAfter(afterId: number, limit: number) {
    return this.list(`/Purchases/?after_id=${afterId}&limit=${limit}`, purchaseFeedItemSchema);
  }

  products(skip: number, limit: number) {
    return this.list(`/products/?skip=${skip}&limit=${limit}`, productSchema);
  }

  categories(skip: number, limit: number) {
    return this.list(`/category/?skip=${skip}&limit=${limit}`, categorySchema);
  }

  /** The outbox's backlog: how many products it still has to deliver to this service. */
  async outboxStatus() {
    const status = await this.http.get('/outbox/status', { schema: outboxStatusSchema });
    return status ?? { enabled: false, pending_products: 0 };
  }

  /** Whether catalog-service has this category (a 404 says it does not). */
  async hasCategory(categoryId: number, request: CallerRequest): Promise<boolean> {
    const category = await this.http.get(`/category/${categoryId}`, {
      schema: categorySchema,
      nullOn: [404],
      caller: request,
    });
    return category !== null;
  }

  /** One product with its description and tags; null when catalog-service does not have it. */
  async product(productId: number, request?: CallerRequest) {
    return this.http.get(`/products/${productId}`, { schema: productSchema, nullOn: [404], caller: request });
  }

  async ping(): Promise<void> {
    await this.http.get('/healthz');
  }
}
