import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMALL_DATASET, type Stack, startStack } from '../src/stack.js';

// Issue 12, "Swagger UI a user can learn from": what a reader of /docs sees for every
// operation of every service. (Whether the statuses listed are all the statuses answered is
// schemathesis' job in CI: .ci/schemathesis.sh.)

// biome-ignore lint/suspicious/noExplicitAny: walking an arbitrary JSON document
type Json = Record<string, any>;

/** Pages that are not JSON APIs: an HTML page, its scripts and style sheet. */
const NOT_JSON = new Set(['GET /dashboard', 'GET /dashboard/assets/{file}']);

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

  beforeAll(async () => {
    stack = await startStack({ dataset: SMALL_DATASET, recommendations: { REINDEX_ON_EMPTY: 'false' } });
    for (const service of ['users', 'catalog', 'recommendations'] as const) {
      const document: Json = (await stack[service].app.inject({ method: 'GET', url: '/docs/json' })).json();
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
