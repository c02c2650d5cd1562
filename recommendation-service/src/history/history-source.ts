import { type CallerRequest, NotFoundError } from '@ecom/service-kit';
import type { CatalogClient, CustomerPurchases } from '../clients/catalog-client.js';
import type { Customer } from '../clients/user-client.js';
import type { ProductDirectory } from '../repositories/product-directory.js';
import type { PurchaseFeed } from '../sync/purchase-feed.js';
import type { CustomerDirectory } from './customer-directory.js';
import { type CopiedPurchase, type LocalPurchases, toPurchase } from './local-purchases.js';

/** A customer's history and whether it came from the local copy (its items carry no tags). */
export interface LoadedHistory {
  history: CustomerPurchases;
  fromCopy: boolean;
}

/**
 * A history not cached: the local copy plus the profile from the customer directory (else
 * user-service), so no HTTP call for a known customer. When the copy cannot answer (customer
 * stale, a product not in the directory yet, feed behind, tags needed): catalog-service's
 * history, which then makes the copy right. Unknown customers are 404; a dependency down is 503.
 */
export class HistorySource {
  constructor(
    private readonly catalog: Pick<CatalogClient, 'purchaseHistory'>,
    private readonly users: { customer(id: number, request?: CallerRequest): Promise<Customer | null> },
    private readonly customers: Pick<CustomerDirectory, 'get'>,
    /** Absent: every history comes from catalog-service (app.ts decides). */
    private readonly copy: LocalPurchases | undefined,
    private readonly directory: Pick<ProductDirectory, 'get'>,
    private readonly feed: Pick<PurchaseFeed, 'copiedAt'>,
    /** The copy answers only while the feed held every purchase at most this long ago. */
    private readonly maxFeedLagMs: number,
  ) {}

  async load(
    customerId: number,
    request: CallerRequest | undefined,
    needTags: boolean,
  ): Promise<LoadedHistory> {
    const { copiedAt } = this.feed;
    if (!this.copy || needTags || copiedAt === null || Date.now() - copiedAt > this.maxFeedLagMs) {
      return { history: await this.catalog.purchaseHistory(customerId, request), fromCopy: false };
    }
    const seen = this.copy.read(customerId);
    // The profile answers "does this customer exist", with purchases or without.
    const profile = this.customers.get(customerId) ?? (await this.users.customer(customerId, request));
    if (!profile) throw new NotFoundError(`Customer ${customerId} not found`);
    const items = seen.staleMark === null ? this.itemsOf(seen.purchases) : null;
    if (items) return { history: { ...profile, purchases: items }, fromCopy: true };
    const history = await this.catalog.purchaseHistory(customerId, request);
    if (seen.staleMark !== null) {
      const purchases = history.purchases.map((item) => toPurchase({ ...item, customer_id: customerId }));
      await this.copy.rewrite(customerId, purchases, seen);
    }
    return { history, fromCopy: false };
  }

  /** History items as catalog-service shows them, from the directory; null if a product is not in it. */
  private itemsOf(purchases: CopiedPurchase[]): CustomerPurchases['purchases'] | null {
    const items: CustomerPurchases['purchases'] = [];
    for (const purchase of purchases) {
      const product = this.directory.get(purchase.productId);
      if (!product) return null;
      items.push({
        purchase_id: purchase.purchaseId,
        category_id: product.categoryId,
        category_title: product.categoryTitle,
        product_id: purchase.productId,
        product_title: product.productTitle,
        product_tags: [],
        purchased_at: purchase.purchasedAt.toISOString(),
      });
    }
    return items;
  }
}
