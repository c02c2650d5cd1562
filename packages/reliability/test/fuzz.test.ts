import { writeFile } from 'node:fs/promises';
import type { RunningService } from '@ecom/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FuzzRequest, requestsFor, summarize } from '../src/fuzz-requests.js';
import { CONTENT_TYPES, MALFORMED_BODIES, ODD_JSON_BODIES } from '../src/hostile.js';
import { describeOperation, type Operation, operationsOf } from '../src/openapi.js';
import { problemsWith } from '../src/response-checks.js';
import { type Stack, startStack, TOKEN, withTimeout } from '../src/stack.js';

// Generated requests per route: FUZZ_RUNS (default 40, ~30 s for the three services on
// PGlite); FUZZ_SEED replays a failing run (fast-check prints the seed and the path).
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const REQUEST_TIMEOUT_MS = 15_000;
const TEN_MB = 10 * 1024 * 1024;

type ServiceKey = 'users' | 'catalog' | 'recommendations';
const SERVICES: { key: ServiceKey; name: string }[] = [
  { key: 'users', name: 'user-service' },
  { key: 'catalog', name: 'catalog-service' },
  { key: 'recommendations', name: 'recommendation-service' },
];

/** Requests sent and statuses seen, per service and route: the summary docs/reliability.md quotes. */
const tally = new Map<
  string,
  { requests: number; statuses: Record<number, number>; kinds: Record<string, number> }
>();

function count(route: string, kind: string, status: number): void {
  const entry = tally.get(route) ?? { requests: 0, statuses: {}, kinds: {} };
  entry.requests++;
  entry.statuses[status] = (entry.statuses[status] ?? 0) + 1;
  const family = kind.split(':')[0]!;
  entry.kinds[family] = (entry.kinds[family] ?? 0) + 1;
  tally.set(route, entry);
}

async function send(service: RunningService, route: string, request: FuzzRequest) {
  const response = await withTimeout(
    service.app.inject({
      method: request.method,
      url: request.url,
      headers: request.headers,
      ...(request.payload === undefined ? {} : { payload: request.payload }),
    }),
    REQUEST_TIMEOUT_MS,
    `${request.method} ${request.url.slice(0, 200)}`,
  );
  count(route, request.kind, response.statusCode);
  return response;
}

function expectFine(
  response: { statusCode: number; headers: Record<string, unknown>; body: string },
  what: string,
) {
  const problems = problemsWith(response);
  if (problems.length > 0) {
    throw new Error(
      `${what} -> ${response.statusCode}: ${problems.join('; ')}; body: ${response.body.slice(0, 300)}`,
    );
  }
}

/** The service still answers, its dependencies included, and does real work. */
async function expectStillServing(service: RunningService) {
  const health = await service.app.inject({ method: 'GET', url: '/healthz' });
  expect(health.statusCode).toBe(200);
  const ready = await service.app.inject({ method: 'GET', url: '/readyz' });
  expect(ready.statusCode, ready.body).toBe(200);
  const probe = await fetch(`${service.url}/healthz`);
  expect(probe.status).toBe(200);
}

// Started at collection time: the routes to test come from the services' own OpenAPI documents.
const stack: Stack = await startStack({ recommendations: { REINDEX_ON_EMPTY: 'false' } });
const operations = new Map<ServiceKey, Operation[]>();
for (const { key } of SERVICES) {
  const document = await stack[key].app.inject({ method: 'GET', url: '/docs/json' });
  operations.set(key, operationsOf(document.json()));
}

describe('fuzzing every route of every service from its OpenAPI document', () => {
  beforeAll(async () => {
    // The catalog's import (products, purchases) is done by the time it listens; wait for its
    // outbox to reach recommendation-service so recommendations have vectors to rank.
    await vi.waitFor(
      async () => {
        const status = (await stack.catalog.app.inject({ method: 'GET', url: '/outbox/status' })).json();
        expect(status.pending_jobs).toBe(0);
      },
      { timeout: 60_000, interval: 100 },
    );
  }, 90_000);

  afterAll(async () => {
    await stack.close();
    const routes = [...tally].sort(([a], [b]) => a.localeCompare(b));
    const total = routes.reduce((sum, [, entry]) => sum + entry.requests, 0);
    const statuses: Record<number, number> = {};
    for (const [, entry] of routes) {
      for (const [status, n] of Object.entries(entry.statuses))
        statuses[Number(status)] = (statuses[Number(status)] ?? 0) + n;
    }
    const summary = {
      runsPerRoute: RUNS,
      seed: SEED ?? null,
      routes: routes.length,
      requests: total,
      statuses,
    };
    console.log(`fuzz summary: ${JSON.stringify(summary)}`);
    if (process.env.FUZZ_REPORT) {
      await writeFile(
        process.env.FUZZ_REPORT,
        JSON.stringify({ ...summary, perRoute: Object.fromEntries(routes) }, null, 2),
      );
    }
  });

  for (const { key, name } of SERVICES) {
    describe(name, () => {
      for (const operation of operations.get(key) ?? []) {
        const route = `${name} ${describeOperation(operation)}`;

        it(`${describeOperation(operation)}: no 5xx, a detail on every 4xx, no leaks`, async () => {
          await fc.assert(
            fc.asyncProperty(requestsFor(operation, { token: TOKEN }), async (request) => {
              const response = await send(stack[key], route, request);
              expectFine(response, summarize(request));
            }),
            { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
          );
          await expectStillServing(stack[key]);
        }, 120_000);

        if (operation.body) {
          it(`${describeOperation(operation)}: 413 for 10 MB, 400 for malformed JSON, 4xx for other content types`, async () => {
            const url = operation.path.replace(/\{[^}]+\}/g, '1');
            const auth: Record<string, string> = operation.internal
              ? { authorization: `Bearer ${TOKEN}` }
              : {};
            const json = { ...auth, 'content-type': 'application/json' };
            const big = await send(stack[key], route, {
              method: operation.method,
              url,
              headers: json,
              payload: `{"title": "${'x'.repeat(TEN_MB)}"}`,
              kind: 'hostile:10MB',
            });
            expect(big.statusCode).toBe(413);
            expect(big.json()).toEqual({ detail: 'Request body is too large' });
            for (const payload of MALFORMED_BODIES) {
              const response = await send(stack[key], route, {
                method: operation.method,
                url,
                headers: json,
                payload,
                kind: 'hostile:malformed',
              });
              expectFine(response, `malformed ${JSON.stringify(payload.slice(0, 80))}`);
              expect(response.statusCode, payload.slice(0, 80)).toBe(400);
            }
            for (const payload of ODD_JSON_BODIES) {
              const response = await send(stack[key], route, {
                method: operation.method,
                url,
                headers: json,
                payload,
                kind: 'hostile:odd-json',
              });
              expectFine(response, `odd JSON ${JSON.stringify(payload.slice(0, 80))}`);
            }
            for (const type of CONTENT_TYPES) {
              const headers = { ...auth, ...(type === undefined ? {} : { 'content-type': type }) };
              const response = await send(stack[key], route, {
                method: operation.method,
                url,
                headers,
                payload: 'title=x',
                kind: 'hostile:content-type',
              });
              expectFine(response, `content-type ${type}`);
              expect(response.statusCode, String(type)).toBeGreaterThanOrEqual(400);
            }
            await expectStillServing(stack[key]);
          });
        }
      }

      it('answers 404 with a detail for unknown routes and methods', async () => {
        for (const [method, url] of [
          ['GET', '/nope'],
          ['GET', '/../../etc/passwd'],
          ['PATCH', '/healthz'],
          ['GET', `/${'x'.repeat(10_000)}`],
          ['GET', '/%ZZ'],
        ] as const) {
          const response = await send(stack[key], `${name} unknown routes`, {
            method: method as FuzzRequest['method'],
            url,
            headers: {},
            kind: 'hostile:route',
          });
          expectFine(response, `${method} ${url.slice(0, 50)}`);
          expect(response.statusCode).toBeGreaterThanOrEqual(400);
        }
      });

      it('over a real socket: 413 for a 10 MB body with and without Content-Length, 431 for 20 KB of headers, and keeps serving', async () => {
        const operation = (operations.get(key) ?? []).find(
          (candidate) => candidate.body && !candidate.internal,
        );
        const target = operation ?? (operations.get(key) ?? []).find((candidate) => candidate.body)!;
        const url = `${stack[key].url}${target.path.replace(/\{[^}]+\}/g, '1')}`;
        const headers = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
        const body = `{"title": "${'x'.repeat(TEN_MB)}"}`;
        const sized = await fetch(url, { method: target.method, headers, body });
        expect(sized.status).toBe(413);
        expect(await sized.json()).toEqual({ detail: 'Request body is too large' });
        const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
        let sent = 0;
        const stream = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent >= TEN_MB) return controller.close();
            sent += chunk.length;
            controller.enqueue(chunk);
          },
        });
        const chunked = await fetch(url, {
          method: target.method,
          headers,
          body: stream,
          duplex: 'half',
        } as RequestInit);
        expect(chunked.status).toBe(413);
        const headers431 = await fetch(`${stack[key].url}/healthz`, {
          headers: { 'x-big': 'x'.repeat(20_000) },
        });
        expect(headers431.status).toBe(431);
        expect(await headers431.json()).toEqual({ detail: 'Request headers are too large' });
        expect(headers431.headers.get('x-request-id')).toBeTruthy();
        await expectStillServing(stack[key]);
      });
    });
  }
});
