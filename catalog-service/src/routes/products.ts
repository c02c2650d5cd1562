import { errorSchema, productSchema } from '@ecom/contracts';
import { type App, deleted, found, noContent, pageItems, pageOf } from '@ecom/service-kit';
import type { Deps } from '../deps.js';
import {
  productCreateSchema,
  productIdParams,
  productListQuery,
  productUpdateSchema,
} from '../schemas/product.js';

// Every route reads or writes the database (documented-errors.ts).
const config = { dependsOn: ['database'] };
const tags = ['products'];

export async function productRoutes(app: App, { products }: Deps) {
  app.get(
    '/products/',
    {
      config,
      schema: {
        operationId: 'listProducts',
        tags,
        summary: 'List products by id, a page at a time',
        description:
          'Optionally of one category. The total number of matches is in the `X-Total-Count` header.',
        querystring: productListQuery,
        response: { 200: pageOf(productSchema) },
      },
    },
    async (request, reply) => {
      const { skip, limit, category_id } = request.query;
      return pageItems(reply, await products.list(skip, limit, category_id));
    },
  );

  app.get(
    '/products/:id',
    {
      config,
      schema: {
        operationId: 'getProduct',
        tags,
        summary: 'Get one product',
        params: productIdParams,
        response: { 200: productSchema, 404: errorSchema },
      },
    },
    async (request) => found(await products.find(request.params.id), `Product ${request.params.id}`),
  );

  app.post(
    '/products/',
    {
      config,
      schema: {
        operationId: 'createProduct',
        tags,
        summary: 'Create a product',
        description: 'The product is queued for vectorising in the same transaction.',
        body: productCreateSchema,
        response: { 200: productSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request) => products.create(request.body),
  );

  app.put(
    '/products/',
    {
      config,
      schema: {
        operationId: 'updateProduct',
        tags,
        summary: 'Replace a product (the id is in the body)',
        description: "The product's vector is refreshed (queued in the same transaction).",
        body: productUpdateSchema,
        response: { 200: productSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request) => found(await products.update(request.body), `Product ${request.body.id}`),
  );

  app.delete(
    '/products/:id',
    {
      config,
      schema: {
        operationId: 'deleteProduct',
        tags,
        summary: 'Delete a product that was never purchased',
        description: 'Its vector leaves the recommendation service (queued in the same transaction).',
        params: productIdParams,
        response: { 204: noContent, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) =>
      deleted(reply, await products.delete(request.params.id), `Product ${request.params.id}`),
  );
}
