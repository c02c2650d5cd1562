import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type App,
  BadGatewayError,
  createServer,
  findNul,
  isUnreachable,
  mapDatabaseError,
  OutageLog,
  publicErrorMessage,
  queryInt,
  reasonOf,
  requestIdOf,
  ServiceUnavailableError,
} from '../src/index.js';
import { loggedServer } from './logged-server.js';

const apps: App[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function testApp(): Promise<App> {
  const app = await createServer({ name: 'test-service', description: 'test', logger: false });
  app.post(
    '/items/:id',
    {
      schema: {
        params: z.object({ id: z.coerce.number().int() }),
        body: z.object({ title: z.string(), tags: z.array(z.string()).default([]) }),
      },
    },
    async (request) => ({ id: request.params.id, ...request.body }),
  );
  app.get('/items', { schema: { querystring: z.object({ limit: queryInt(1, 100) }) } }, async (request) => [
    request.query.limit,
  ]);
  apps.push(app);
  await app.ready();
  return app;
}

describe('request hygiene', () => {
  it('answers a malformed percent-encoding and an overlong path parameter with a detail and a request id', async () => {
    const app = await testApp();
    const bad = await app.inject({ method: 'POST', url: '/items/%ZZ', payload: { title: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ detail: 'Malformed URL: invalid percent-encoding' });
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const long = await app.inject({
      method: 'POST',
      url: `/items/${'1'.repeat(500)}`,
      payload: { title: 'x' },
    });
    expect(long.statusCode).toBe(414);
    expect(long.json()).toEqual({ detail: 'A path parameter is too long' });
    expect(long.headers['x-request-id']).toBeTruthy();
  });

  it('refuses NUL characters anywhere in the body with a FastAPI-shaped 422 naming the field', async () => {
    const app = await testApp();
    const response = await app.inject({
      method: 'POST',
      url: '/items/1',
      payload: { title: 'ok', tags: ['a', 'b\u0000c'] },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      detail: [
        {
          loc: ['body', 'tags', 1],
          msg: 'Text must not contain NUL (\\u0000) characters',
          type: 'string_nul',
        },
      ],
    });
    const fine = await app.inject({
      method: 'POST',
      url: '/items/1',
      payload: { title: 'ok 😀', tags: ['a'] },
    });
    expect(fine.statusCode).toBe(200);
  });

  it('ignores NUL in a part the route does not validate: /healthz documents no 422', async () => {
    const app = await testApp();
    const response = await app.inject({ method: 'GET', url: '/healthz?x=%00' });
    expect(response.statusCode).toBe(200);
    const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(document.paths['/healthz'].get.responses)).not.toContain('422');
  });

  it('answers a query parameter given more than once with a 400 saying so, and documents it', async () => {
    const app = await testApp();
    const twice = await app.inject({ method: 'GET', url: '/items?limit=1&limit=2' });
    expect(twice.statusCode).toBe(400);
    expect(twice.json()).toEqual({ detail: "Query parameter 'limit' given more than once" });
    expect((await app.inject({ method: 'GET', url: '/items?limit=2' })).json()).toEqual([2]);
    // A route that reads no query string is not concerned.
    expect((await app.inject({ method: 'GET', url: '/healthz?x=1&x=2' })).statusCode).toBe(200);
    const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(document.paths['/items'].get.responses['400'].description).toMatch(
      /^A query parameter given more than once; /,
    );
  });

  it('finds NUL in keys and in deeply nested values without recursion', () => {
    expect(findNul({ a: [1, { b: 'x\u0000' }] })).toEqual(['a', 1, 'b']);
    expect(findNul({ 'k\u0000': 1 })).toEqual(['k\u0000']);
    let deep: unknown = 'end\u0000';
    for (let depth = 0; depth < 50_000; depth++) deep = [deep];
    expect(findNul(deep)).toHaveLength(50_000);
    expect(findNul({ a: 'fine', b: [null, 1, true] })).toBeNull();
  });

  it('keeps a sane incoming request id and replaces anything else', () => {
    const withId = (id: string | undefined) =>
      ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as IncomingMessage;
    expect(requestIdOf(withId('abc-123.4:5'))).toBe('abc-123.4:5');
    for (const id of [undefined, '', 'x'.repeat(129), 'a b', '<script>', 'é']) {
      expect(requestIdOf(withId(id))).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    }
  });
});

describe('draining', () => {
  it('refuses new requests with a 503 detail and closes their connections once draining starts', async () => {
    const app = await testApp();
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    // The document admits what a draining /readyz answers: a detail, no checks.
    const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(
      document.paths['/readyz'].get.responses['503'].content['application/json'].schema.required,
    ).toEqual(['detail']);
    app.startDraining();
    for (const url of ['/healthz', '/readyz', '/docs/json']) {
      const refused = await app.inject({ method: 'GET', url });
      expect(refused.statusCode).toBe(503);
      expect(refused.json()).toEqual({ detail: 'Service is shutting down, retry shortly' });
      expect(refused.headers.connection).toBe('close');
      expect(refused.headers['x-request-id']).toBeTruthy();
    }
  });
});

describe('database errors', () => {
  it('sees an unreachable database behind a raw query error (P2010 with the adapter error in meta)', () => {
    const rawQueryError = Object.assign(
      new Error("Raw query failed. Message: `Can't reach database server at 10.0.0.5:5432`"),
      {
        code: 'P2010',
        meta: {
          driverAdapterError: {
            name: 'DriverAdapterError',
            cause: { kind: 'DatabaseNotReachable', host: '10.0.0.5', port: 5432 },
          },
        },
      },
    );
    expect(isUnreachable(rawQueryError)).toBe(true);
    expect(publicErrorMessage(rawQueryError)).toBe('Database unavailable, try again shortly');
    const uniqueViolation = Object.assign(new Error('Raw query failed'), {
      code: 'P2010',
      meta: {
        driverAdapterError: {
          name: 'DriverAdapterError',
          cause: { kind: 'postgres', originalCode: '23505' },
        },
      },
    });
    expect(isUnreachable(uniqueViolation)).toBe(false);
    expect(publicErrorMessage(uniqueViolation)).toBe('Internal error (see the service log)');
  });

  it('gives the generic text for a thrown value that is not an object (a promise rejected with nothing)', () => {
    for (const thrown of [undefined, null, 'text', 42]) {
      expect(publicErrorMessage(thrown)).toBe('Internal error (see the service log)');
    }
  });

  it('answers 503 busy for a transaction that cannot start in time or a deadlock left after retries, 504 for a query read timeout (a frozen server)', () => {
    const busy = {
      status: 503,
      detail: 'Database busy (every connection in use), try again shortly',
      retryAfterSeconds: 1,
    };
    expect(mapDatabaseError(Object.assign(new Error('Transaction API error'), { code: 'P2028' }))).toEqual(
      busy,
    );
    // A deadlock left after the repositories' retries (packages/db retryOnWriteConflict): nothing
    // was committed, so "try again" is true; it was a 500 before (CI, concurrent-renames.test.ts).
    expect(mapDatabaseError(Object.assign(new Error('Transaction failed'), { code: 'P2034' }))).toEqual({
      status: 503,
      detail: 'Database busy (a write conflicted with another at the same moment), try again shortly',
      retryAfterSeconds: 1,
    });
    // A query sent and never answered may still be applied later: 504, not "nothing done".
    expect(mapDatabaseError(new Error('Query read timeout'))).toEqual({
      status: 504,
      detail: 'Database did not answer in time; the change may or may not have been applied',
    });
  });
});

describe('logging requests', () => {
  it('writes one line per answered request with its id, method, path, status and time; quiet routes stay quiet', async () => {
    const { app, lines } = await loggedServer();
    apps.push(app);
    app.get('/items/:id', async (request) => ({ id: (request.params as { id: string }).id }));
    await app.ready();
    await app.inject({ method: 'GET', url: '/items/7', headers: { 'x-request-id': 'shop-42' } });
    await app.inject({ method: 'GET', url: '/healthz' });
    const requestLines = lines.filter((line) => line.req !== undefined || line.res !== undefined);
    expect(requestLines).toEqual([
      expect.objectContaining({
        level: 30,
        reqId: 'shop-42',
        msg: 'request completed',
        req: expect.objectContaining({ method: 'GET', url: '/items/7' }),
        res: { statusCode: 200 },
        responseTime: expect.any(Number),
      }),
    ]);
  });
});

describe('logging failed requests', () => {
  it('logs a 503 (a dependency is away) on one line with its reason and no stack, a 502 with its stack', async () => {
    const { app, lines } = await loggedServer();
    apps.push(app);
    const refused = new Error('14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED');
    app.get('/down', async () => {
      throw new ServiceUnavailableError('Vector store is unavailable', { cause: refused });
    });
    app.get('/refused', async () => {
      throw new BadGatewayError('Vector store rejected the request', { cause: new Error('bad filter') });
    });
    await app.ready();
    for (const url of ['/down', '/refused']) await app.inject({ method: 'GET', url });
    const down = lines.filter((line) => line.msg === 'Vector store is unavailable');
    expect(down).toEqual([
      expect.objectContaining({
        level: 40,
        reqId: expect.any(String),
        statusCode: 503,
        reason: refused.message,
      }),
    ]);
    expect(down[0]).not.toHaveProperty('err');
    const rejected = lines.find((line) => line.msg === 'Vector store rejected the request');
    expect(rejected?.err).toMatchObject({
      message: 'bad filter',
      stack: expect.stringContaining('Error: bad filter'),
    });
  });
});

describe('OutageLog', () => {
  it('says the first failure, then at most one reminder a minute with how long and how often, then the end', () => {
    const outage = new OutageLog();
    const start = 1_000_000;
    expect(outage.succeeded(start)).toBeNull();
    expect(outage.failed(start)).toEqual({ failures: 1, seconds: 0 });
    for (let second = 1; second < 60; second++) expect(outage.failed(start + second * 1000)).toBeNull();
    expect(outage.failed(start + 60_000)).toEqual({ failures: 61, seconds: 60 });
    expect(outage.failed(start + 61_000)).toBeNull();
    expect(outage.succeeded(start + 90_000)).toEqual({ failures: 62, seconds: 90 });
    expect(outage.succeeded(start + 91_000)).toBeNull();
    // The next outage starts afresh.
    expect(outage.failed(start + 92_000)).toEqual({ failures: 1, seconds: 0 });
  });

  it('reasonOf puts an error and its causes on one line, without repeating a wrapped message', () => {
    const root = new Error('connect ECONNREFUSED 127.0.0.1:1');
    const wrapped = new Error('Vector store is unavailable', { cause: root });
    expect(reasonOf(wrapped)).toBe('Vector store is unavailable: connect ECONNREFUSED 127.0.0.1:1');
    expect(reasonOf(new Error(`fetch failed: ${root.message}`, { cause: root }))).toBe(
      'fetch failed: connect ECONNREFUSED 127.0.0.1:1',
    );
  });
});
