import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { find, reportVectorisation } from '@ecom/stack/progress';
import { afterEach, describe, expect, it } from 'vitest';

// The launcher's progress lines, against one small server playing the catalog's
// /outbox/status and /products/ and the recommendation service's /recommendation/info.
let server: http.Server | undefined;

afterEach(() => {
  server?.close();
  server = undefined;
});

async function serve(state: {
  vectors: number;
  pending: number;
  total: number;
  error?: string;
  enabled?: boolean;
}) {
  server = http.createServer((request, response) => {
    const json = (body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(200, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    if (request.url === '/outbox/status')
      return json({
        enabled: state.enabled ?? true,
        pending_jobs: state.pending,
        last_error: state.error ?? null,
      });
    if (request.url === '/recommendation/info')
      return json({ vector_store: { vector_count: state.vectors } });
    if (request.url?.startsWith('/products/')) return json([], { 'x-total-count': String(state.total) });
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('reportVectorisation', () => {
  it('prints a line per change and stops once every product has its vector', async () => {
    const state = { vectors: 0, pending: 3, total: 3, error: 'recommendation-service is unavailable' };
    const url = await serve(state);
    const lines: string[] = [];
    const done = reportVectorisation({
      catalogUrl: url,
      recommendationUrl: url,
      log: (line) => {
        lines.push(line);
        // The recommendation service comes up and the catalog delivers everything.
        Object.assign(state, { vectors: 3, pending: 0, error: undefined });
      },
      signal: new AbortController().signal,
      requestId: 'test',
      intervalMs: 20,
    });
    await done;
    expect(lines).toEqual([
      'vectorised 0/3 products (3 outbox jobs pending; last delivery error: recommendation-service is unavailable)',
      'vectorised 3/3 products (0 outbox jobs pending)',
      expect.stringMatching(/^all 3 products vectorised \(\d+\.\d s after the services were ready\)$/),
    ]);
  });

  it("with the catalog's outbox off, stops once every product has its vector, not counting jobs never delivered", async () => {
    // OUTBOX_ENABLED=false: the jobs stay pending; recommendation-service's re-index vectorises.
    const state = { vectors: 0, pending: 3, total: 3, enabled: false };
    const url = await serve(state);
    const lines: string[] = [];
    await reportVectorisation({
      catalogUrl: url,
      recommendationUrl: url,
      log: (line) => {
        lines.push(line);
        state.vectors = 3;
      },
      signal: new AbortController().signal,
      requestId: 'test',
      intervalMs: 20,
      timeoutMs: 2_000,
    });
    expect(lines).toEqual([
      "vectorised 0/3 products (catalog-service's outbox is off: OUTBOX_ENABLED=false)",
      "vectorised 3/3 products (catalog-service's outbox is off: OUTBOX_ENABLED=false)",
      expect.stringMatching(/^all 3 products vectorised/),
    ]);
  });

  it('gives up quietly when the services do not publish progress', async () => {
    server = http.createServer((_request, response) => response.writeHead(404).end());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const lines: string[] = [];
    await reportVectorisation({
      catalogUrl: url,
      recommendationUrl: url,
      log: (line) => lines.push(line),
      signal: new AbortController().signal,
      requestId: 'test',
      intervalMs: 10,
    });
    expect(lines).toEqual([
      expect.stringMatching(/^progress unavailable \(GET \/outbox\/status answered 404\)/),
    ]);
  });
});

describe('find', () => {
  it('finds the first value of the type under a matching key, breadth first', () => {
    const body = { name: 'x', count: 'not a number', store: { vector_count: 7, nested: { count: 1 } } };
    expect(find(body, /^(vector_?count|count)$/, 'number')).toBe(7);
    expect(find(body, /^name$/, 'string')).toBe('x');
    expect(find(body, /^missing$/, 'number')).toBeUndefined();
  });
});
