import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentValidator, examplesOf } from '../src/document-schemas.js';
import { SMALL_DATASET, type Stack, startStack, TOKEN } from '../src/stack.js';

// Issue 12, "Swagger UI a user can learn from": what a reader of /docs sees for every
// operation of every service. (Whether the statuses listed are all the statuses answered is
// schemathesis' job in CI: .ci/schemathesis.sh.)

// biome-ignore lint/suspicious/noExplicitAny: walking an arbitrary JSON document
type Json = Record<string, any>;

/** Pages that are not JSON APIs: an HTML page, its scripts and style sheet. */
const NOT_JSON = new Set(['GET /dashboard', 'GET /dashboard/assets/{file}']);
const SERVICES = ['users', 'catalog', 'recommendations'] as const;

function hasExample(media: Json | undefined): boolean {
  if (!media) return true;
  const schema = media.schema ?? {};
  return (
    media.example !== undefined ||
    media.examples !== undefined ||
    schema.example !== undefined ||
    (schema.type === 'array' && schema.items?.example !== undefined) ||
    schema.type === 'null'
  );
}

describe('the OpenAPI documents teach their reader', () => {
  let stack: Stack;
  const problems: string[] = [];
  const documents = new Map<(typeof SERVICES)[number], Json>();

  beforeAll(async () => {
    stack = await startStack({ dataset: SMALL_DATASET, recommendations: { REINDEX_ON_EMPTY: 'false' } });
    for (const service of SERVICES) {
      const document: Json = (await stack[service].app.inject({ method: 'GET', url: '/docs/json' })).json();
      documents.set(service, document);
      for (const [path, operations] of Object.entries<Json>(document.paths)) {
        for (const [method, operation] of Object.entries<Json>(operations)) {
          const name = `${method.toUpperCase()} ${path}`;
          for (const parameter of operation.parameters ?? []) {
            if (!parameter.description && !parameter.schema?.description) {
              problems.push(`${name}: parameter ${parameter.name} has no description`);
            }
          }
          if (NOT_JSON.has(name)) continue;
          if (!hasExample(operation.requestBody?.content?.['application/json'])) {
            problems.push(`${name}: request body has no example`);
          }
          for (const [status, response] of Object.entries<Json>(operation.responses ?? {})) {
            if (!response.description || response.description === 'Default Response') {
              problems.push(`${name} ${status}: no description`);
            }
            for (const [type, media] of Object.entries<Json>(response.content ?? {})) {
              if (!hasExample(media)) problems.push(`${name} ${status} ${type}: no example`);
            }
          }
        }
      }
    }
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('describes every parameter, and every body and answer with an example', () => {
    expect(problems).toEqual([]);
  });

  // Generated clients (openapi-generator, orval, openapi-typescript-codegen) name their methods
  // from operationIds; without them, from paths ("customerPurchasedProductsCustomerId").
  it('names every operation with a readable operationId, unique in its document', () => {
    const names = new Map<string, string[]>();
    for (const [service, document] of documents) {
      for (const [path, operations] of Object.entries<Json>(document.paths)) {
        for (const [method, operation] of Object.entries<Json>(operations)) {
          const key = `${service} ${operation.operationId}`;
          names.set(key, [...(names.get(key) ?? []), `${method.toUpperCase()} ${path}`]);
        }
      }
    }
    const badOrRepeated = [...names].filter(
      ([key, operations]) => operations.length > 1 || !/ [a-z]+(?:[A-Z][a-z]+)*$/.test(key),
    );
    expect(badOrRepeated).toEqual([]);
    expect(names.get('recommendations getRecommendations')).toEqual(['GET /recommendation/{customer_id}']);
    expect(names.get('catalog createProduct')).toEqual(['POST /products/']);
  });

  // A reader (and a generated client) learns from the document what an omitted parameter means.
  it('states the default of every paging parameter', () => {
    const undocumented: string[] = [];
    for (const [service, document] of documents) {
      for (const [path, operations] of Object.entries<Json>(document.paths)) {
        for (const [method, operation] of Object.entries<Json>(operations)) {
          for (const parameter of operation.parameters ?? []) {
            const paging = ['skip', 'limit', 'after_id', 'after_version'].includes(parameter.name);
            const allByDefault = /default: every/.test(
              parameter.description ?? parameter.schema?.description,
            );
            if (
              parameter.in === 'query' &&
              paging &&
              !allByDefault &&
              parameter.schema?.default === undefined
            ) {
              undocumented.push(`${service} ${method.toUpperCase()} ${path} ?${parameter.name}`);
            }
          }
        }
      }
    }
    expect(undocumented).toEqual([]);
    const products = documents.get('catalog')!.paths['/products/'].get.parameters;
    expect(products.find((parameter: Json) => parameter.name === 'limit').schema.default).toBe(10);
  });

  it('gives examples that are valid by their own schemas, as OpenAPI 3.0 reads them', () => {
    const invalid: string[] = [];
    for (const document of documents.values()) {
      const problemsOf = documentValidator(document);
      for (const { where, schema, example } of examplesOf(document)) {
        for (const problem of problemsOf(schema, example)) invalid.push(`${where}: ${problem}`);
      }
    }
    expect(invalid).toEqual([]);
  });

  it('answers every GET with what its document says for the status answered, the X-Total-Count header included', async () => {
    const mismatches: string[] = [];
    let answered = 0;
    for (const service of SERVICES) {
      const document = documents.get(service)!;
      const problemsOf = documentValidator(document);
      for (const [path, operations] of Object.entries<Json>(document.paths)) {
        const operation = operations.get;
        if (!operation || NOT_JSON.has(`GET ${path}`)) continue;
        // Id 1 exists in the small dataset; a route that finds nothing answers its documented 404.
        const url = path.replace(/\{[^}]+\}/g, '1');
        const answer = await stack[service].app.inject({
          method: 'GET',
          url,
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        answered++;
        const documented = operation.responses[answer.statusCode];
        if (!documented) {
          mismatches.push(`GET ${url}: ${answer.statusCode} is not documented`);
          continue;
        }
        const schema = documented.content?.['application/json']?.schema;
        if (schema) {
          for (const problem of problemsOf(schema, answer.json())) {
            mismatches.push(`GET ${url} ${answer.statusCode}: ${problem}`);
          }
        }
        const sendsTotal = answer.headers['x-total-count'] !== undefined;
        const documentsTotal = documented.headers?.['X-Total-Count'] !== undefined;
        if (sendsTotal !== documentsTotal) {
          mismatches.push(
            `GET ${url} ${answer.statusCode}: X-Total-Count sent ${sendsTotal}, documented ${documentsTotal}`,
          );
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(answered).toBeGreaterThan(15);
  });

  it('lists the body answers (400, 413, 415) of every method that reads a body, a body-less one too', async () => {
    for (const service of ['users', 'catalog', 'recommendations'] as const) {
      const { app } = stack[service];
      const document: Json = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
      for (const [path, operations] of Object.entries<Json>(document.paths)) {
        for (const [method, operation] of Object.entries<Json>(operations)) {
          if (!['post', 'put', 'patch', 'delete'].includes(method)) continue;
          expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(
            expect.arrayContaining(['400', '413', '415']),
          );
        }
      }
    }
    // Such as these, which take no body: what they answer to one is what the documents say.
    for (const [service, url] of [
      ['users', '/customer/999999'],
      ['catalog', '/category/999999'],
    ] as const) {
      const answer = await stack[service].app.inject({
        method: 'DELETE',
        url,
        headers: { 'content-type': 'text/plain' },
        payload: 'hello',
      });
      expect(answer.statusCode, `DELETE ${url}`).toBe(415);
    }
  });

  it('lists what Node answers before routing (400, 408, 431) on every operation, and the 405 a parameter route gives', async () => {
    const shadowed: string[] = [];
    for (const service of ['users', 'catalog', 'recommendations'] as const) {
      const document: Json = (await stack[service].app.inject({ method: 'GET', url: '/docs/json' })).json();
      for (const [path, operations] of Object.entries<Json>(document.paths)) {
        for (const [method, operation] of Object.entries<Json>(operations)) {
          const statuses = Object.keys(operation.responses);
          expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['400', '408', '431']));
          if (statuses.includes('405')) shadowed.push(`${method.toUpperCase()} ${path}`);
        }
      }
    }
    // A literal path of another method reaches these routes, and their id refuses it.
    expect(shadowed.sort()).toEqual(['DELETE /customer/{id}', 'GET /recommendation/{customer_id}']);
    for (const [service, method, url, allow] of [
      ['users', 'DELETE', '/customer/changes/', 'GET, HEAD'],
      ['recommendations', 'GET', '/recommendation/reindex', 'POST'],
    ] as const) {
      const answer = await fetch(`${stack[service].url}${url}`, { method });
      expect(answer.status, `${method} ${url}`).toBe(405);
      expect(answer.headers.get('allow')).toBe(allow);
    }
    // Over a real socket: Node refuses 20 KB of headers before any route.
    const tooLarge = await fetch(`${stack.users.url}/customer/1`, {
      headers: { 'x-padding': 'x'.repeat(20_000) },
    });
    expect(tooLarge.status).toBe(431);
  });
});
