import {
  customerChangeSchema,
  customerCreateSchema,
  customerSchema,
  customerUpdateSchema,
  errorSchema,
} from '@ecom/contracts';
import { type App, deleted, found, noContent, pageItems, pageOf } from '@ecom/service-kit';
import type { Deps } from '../deps.js';
import { customerChangesQuery, customerIdParams, customerListQuery } from '../schemas/customer.js';

const tags = ['customer'];
// Every route reads or writes the database (documented-errors.ts).
const config = { dependsOn: ['database'] };

export async function customerRoutes(app: App, { customers }: Deps) {
  app.get(
    '/customer/',
    {
      config,
      schema: {
        operationId: 'listCustomers',
        tags,
        summary: 'List customers by id, a page at a time',
        description:
          'The total number of customers (matching `q`, when given) is in the `X-Total-Count` header.',
        querystring: customerListQuery,
        response: { 200: pageOf(customerSchema) },
      },
    },
    async (request, reply) => {
      const { skip, limit, q } = request.query;
      return pageItems(reply, await customers.list(skip, limit, q));
    },
  );

  app.get(
    '/customer/changes/',
    {
      config,
      schema: {
        operationId: 'listCustomerChanges',
        tags,
        summary:
          'Customers created, changed or deleted after a version, in version order (a feed to follow by polling)',
        description:
          "Each customer once, as they are now (`customer` null: deleted). Pass the last `version` seen as `after_version` for the next page. recommendation-service follows it to know who exists without asking on every customer's first recommendation.",
        querystring: customerChangesQuery,
        response: { 200: customerChangeSchema.array() },
      },
      // Polled every second by recommendation-service: its request lines would bury the rest.
      logLevel: 'warn',
    },
    async (request) => customers.changes(request.query.after_version, request.query.limit),
  );

  app.get(
    '/customer/:id',
    {
      config,
      schema: {
        operationId: 'getCustomer',
        tags,
        summary: 'Get one customer',
        params: customerIdParams,
        response: { 200: customerSchema, 404: errorSchema },
      },
    },
    async (request) => found(await customers.find(request.params.id), `Customer ${request.params.id}`),
  );

  app.post(
    '/customer/',
    {
      config,
      schema: {
        operationId: 'createCustomer',
        tags,
        summary: 'Create a customer',
        body: customerCreateSchema,
        response: { 200: customerSchema, 409: errorSchema },
      },
    },
    async (request) => customers.create(request.body),
  );

  app.put(
    '/customer/',
    {
      config,
      schema: {
        operationId: 'updateCustomer',
        tags,
        summary: 'Replace a customer (the id is in the body)',
        body: customerUpdateSchema,
        response: { 200: customerSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request) => found(await customers.update(request.body), `Customer ${request.body.id}`),
  );

  app.delete(
    '/customer/:id',
    {
      config,
      schema: {
        operationId: 'deleteCustomer',
        tags,
        summary: 'Delete a customer',
        params: customerIdParams,
        response: { 204: noContent, 404: errorSchema },
      },
    },
    async (request, reply) =>
      deleted(reply, await customers.delete(request.params.id), `Customer ${request.params.id}`),
  );
}
