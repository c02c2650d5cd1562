import { customerPurchasesSchema, errorSchema, purchaseFeedItemSchema } from '@ecom/contracts';
import { type App, deleted, found, noContent, UnprocessableError } from '@ecom/service-kit';
import type { Deps } from '../deps.js';
import {
  customerIdParams,
  historyQuery,
  purchaseCreateSchema,
  purchaseDetailSchema,
  purchaseFeedQuery,
  purchaseIdParams,
} from '../schemas/purchase.js';

const tags = ['Purchases'];
// What each route calls (documented-errors.ts): the customer is asked of user-service.
const database = { dependsOn: ['database'] };
const withCustomer = { dependsOn: ['database', 'user-service'] };

export async function purchaseRoutes(app: App, { purchases, users }: Deps) {
  app.post(
    '/Purchases/',
    {
      config: withCustomer,
      schema: {
        operationId: 'createPurchase',
        tags,
        summary: 'Record a purchase',
        description:
          "The customer must exist in user-service (asked over HTTP; 503 and nothing written when it cannot be asked). `category_id` must be the product's category and may be omitted.",
        body: purchaseCreateSchema,
        response: { 200: purchaseDetailSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const { product_id, customer_id, category_id } = request.body;
      const product = found(await purchases.findProduct(product_id), `Product ${product_id}`);
      if (category_id !== undefined && category_id !== product.category_id) {
        throw new UnprocessableError(
          `category_id ${category_id} does not match product ${product_id}, which is in category ${product.category_id}`,
        );
      }
      const customer = found(await users.getCustomer(customer_id, request), `Customer ${customer_id}`);
      const purchase = found(await purchases.create(customer.id, product), `Product ${product_id}`);
      return { ...purchase, customer_title: customer.title };
    },
  );

  app.get(
    '/Purchases/',
    {
      config: database,
      schema: {
        operationId: 'listPurchases',
        tags,
        summary: 'Purchases after an id, in id order (a feed to follow by polling)',
        description:
          'Pass the last id seen as `after_id` to get the next page. Ids become visible in increasing order, so a follower never misses one.',
        querystring: purchaseFeedQuery,
        response: { 200: purchaseFeedItemSchema.array() },
      },
      // recommendation-service polls this every few seconds: at info its request lines would
      // bury everything else in `npm start`'s output. Failures are still logged.
      logLevel: 'warn',
    },
    async (request) => purchases.feed(request.query.after_id, request.query.limit),
  );

  app.get(
    '/Purchases/customer_purchased_products/:customer_id',
    {
      config: withCustomer,
      schema: {
        operationId: 'listCustomerPurchasedProducts',
        tags,
        summary: 'A customer with all their purchases, newest first',
        description:
          'An empty list for a customer without purchases; 404 only when user-service does not know the customer.',
        params: customerIdParams,
        querystring: historyQuery,
        response: { 200: customerPurchasesSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const { customer_id } = request.params;
      // Both at once: the history query does not need the answer (a recommendation's first
      // request for a customer waits for this route; docs/benchmarks.md, "Serving cost").
      const [customer, history] = await Promise.all([
        users.getCustomer(customer_id, request),
        purchases.history(customer_id, request.query.limit),
      ]);
      return { ...found(customer, `Customer ${customer_id}`), purchases: history };
    },
  );

  app.get(
    '/Purchases/:purchase_id',
    {
      config: withCustomer,
      schema: {
        operationId: 'getPurchase',
        tags,
        summary: 'Get one purchase with its product, category and customer names',
        params: purchaseIdParams,
        response: { 200: purchaseDetailSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const { purchase_id } = request.params;
      const purchase = found(await purchases.find(purchase_id), `Purchase ${purchase_id}`);
      const customer = await users.getCustomer(purchase.customer_id, request);
      return { ...purchase, customer_title: customer?.title ?? null };
    },
  );

  app.delete(
    '/Purchases/:purchase_id',
    {
      config: database,
      schema: {
        operationId: 'deletePurchase',
        tags,
        summary: 'Delete a purchase',
        params: purchaseIdParams,
        response: { 204: noContent, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const { purchase_id } = request.params;
      return deleted(reply, await purchases.delete(purchase_id), `Purchase ${purchase_id}`);
    },
  );
}
