import { categorySchema, errorSchema, pageQuery } from '@ecom/contracts';
import { type App, deleted, found, noContent, pageItems, pageOf } from '@ecom/service-kit';
import type { Deps } from '../deps.js';
import { categoryCreateSchema, categoryIdParams, categoryUpdateSchema } from '../schemas/category.js';

// Every route reads or writes the database (documented-errors.ts).
const config = { dependsOn: ['database'] };
const tags = ['category'];

export async function categoryRoutes(app: App, { categories }: Deps) {
  app.get(
    '/category/',
    {
      config,
      schema: {
        operationId: 'listCategories',
        tags,
        summary: 'List categories by id, a page at a time',
        description: 'The total number of categories is in the `X-Total-Count` header.',
        querystring: pageQuery,
        response: { 200: pageOf(categorySchema) },
      },
    },
    async (request, reply) =>
      pageItems(reply, await categories.list(request.query.skip, request.query.limit)),
  );

  app.get(
    '/category/:id',
    {
      config,
      schema: {
        operationId: 'getCategory',
        tags,
        summary: 'Get one category',
        params: categoryIdParams,
        response: { 200: categorySchema, 404: errorSchema },
      },
    },
    async (request) => found(await categories.find(request.params.id), `Category ${request.params.id}`),
  );

  app.post(
    '/category/',
    {
      config,
      schema: {
        operationId: 'createCategory',
        tags,
        summary: 'Create a category',
        body: categoryCreateSchema,
        response: { 200: categorySchema, 409: errorSchema },
      },
    },
    async (request) => categories.create(request.body.title),
  );

  app.put(
    '/category/',
    {
      config,
      schema: {
        operationId: 'updateCategory',
        tags,
        summary: 'Rename a category (the id is in the body)',
        description:
          "Every product of the category is queued for re-vectorising: the category is part of a product's text.",
        body: categoryUpdateSchema,
        response: { 200: categorySchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request) =>
      found(await categories.rename(request.body.id, request.body.title), `Category ${request.body.id}`),
  );

  app.delete(
    '/category/:id',
    {
      config,
      schema: {
        operationId: 'deleteCategory',
        tags,
        summary: 'Delete a category that has no products',
        params: categoryIdParams,
        response: { 204: noContent, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) =>
      deleted(reply, await categories.delete(request.params.id), `Category ${request.params.id}`),
  );
}
