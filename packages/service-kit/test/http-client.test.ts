import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BadGatewayError, JsonClient, ServiceUnavailableError, UpstreamStatusError } from '../src/index.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];
const clients: JsonClient[] = [];

async function serve(handler: Handler): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closedPortUrl(): Promise<string> {
  const url = await serve(() => {});
  const server = servers.pop()!;
  server.close();
  await once(server, 'close');
  return url;
}

function client(
  baseUrl: string,
  options: Partial<ConstructorParameters<typeof JsonClient>[0]> = {},
): JsonClient {
  const c = new JsonClient({
    name: 'peer-service',
    baseUrl,
    timeoutMs: 300,
    retries: 2,
    backoffMs: 5,
    ...options,
  });
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

describe('JsonClient', () => {
  it('returns parsed JSON validated by a schema and forwards the request id', async () => {
    let seenRequestId: string | undefined;
    const url = await serve((req, res) => {
      seenRequestId = req.headers['x-request-id'] as string;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id: 7, title: 'Ann' }));
    });
    const body = await client(url).get('/customer/7', {
      schema: z.object({ id: z.number(), title: z.string() }),
      caller: { id: 'req-1' },
    });
    expect(body).toEqual({ id: 7, title: 'Ann' });
    expect(seenRequestId).toBe('req-1');
  });

  it('answers null for statuses the caller expects, like 404', async () => {
    const url = await serve((_req, res) => {
      res.statusCode = 404;
      res.end(JSON.stringify({ detail: 'Customer 9 not found' }));
    });
    expect(await client(url).get('/customer/9', { nullOn: [404] })).toBeNull();
  });

  it('retries idempotent GETs after a 5xx and succeeds when the peer recovers', async () => {
    let calls = 0;
    const url = await serve((_req, res) => {
      calls++;
      res.statusCode = calls < 3 ? 500 : 200;
      res.end(JSON.stringify({ ok: calls }));
    });
    expect(await client(url).get('/x')).toEqual({ ok: 3 });
    expect(calls).toBe(3);
  });

  it('does not retry a POST that is not marked idempotent', async () => {
    let calls = 0;
    const url = await serve((_req, res) => {
      calls++;
      res.statusCode = 500;
      res.end('{}');
    });
    await expect(client(url).post('/x', { a: 1 })).rejects.toBeInstanceOf(UpstreamStatusError);
    expect(calls).toBe(1);
  });

  it('maps a closed port to 503 with the service name in the detail', async () => {
    const error = await client(await closedPortUrl())
      .get('/customer/1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as ServiceUnavailableError).statusCode).toBe(503);
    expect((error as ServiceUnavailableError).detail).toMatch(/^peer-service is unavailable/);
  });

  it('maps a peer that never answers to 503 within the timeout and retry budget', async () => {
    const url = await serve(() => {
      /* never answers */
    });
    const started = Date.now();
    const error = await client(url, { timeoutMs: 200, retries: 1 })
      .get('/slow')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as ServiceUnavailableError).detail).toMatch(/timeout/);
    // ~0.5 s (two 200 ms attempts and a backoff); the slack is for a busy CI machine.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('ends a call when its signal aborts, and one given a signal still ends at its own timeout', async () => {
    const url = await serve(() => {
      /* never answers */
    });
    const stop = new AbortController();
    const stopped = client(url, { timeoutMs: 60_000, retries: 0 })
      .get('/slow', { signal: stop.signal })
      .catch((e: unknown) => e);
    stop.abort();
    expect(await stopped).toBeInstanceOf(ServiceUnavailableError);
    const timedOut = await client(url, { timeoutMs: 200, retries: 0 })
      .get('/slow', { signal: new AbortController().signal })
      .catch((e: unknown) => e);
    expect((timedOut as ServiceUnavailableError).detail).toMatch(/timeout/);
  });

  it('tells the peer its timeout and makes no attempt past the caller deadline', async () => {
    const timeouts: string[] = [];
    const url = await serve((req) => {
      timeouts.push(req.headers['x-request-timeout-ms'] as string);
    });
    const error = await client(url, { timeoutMs: 1_000, retries: 2 })
      .get('/slow', { caller: { deadline: Date.now() + 300 } })
      .catch((e: unknown) => e);
    expect((error as ServiceUnavailableError).detail).toBe(
      "peer-service did not answer within the caller's deadline (x-request-timeout-ms)",
    );
    // One attempt, cut to the deadline (not three of 1 s each), and the peer was told so.
    expect(timeouts).toHaveLength(1);
    expect(Number(timeouts[0])).toBeLessThanOrEqual(300);
  });

  it("passes on a 503's reason (the dependency the peer could not reach) and its Retry-After", async () => {
    const url = await serve((_req, res) => {
      res.statusCode = 503;
      res.setHeader('retry-after', '2');
      res.end(JSON.stringify({ detail: 'user-service is unavailable (timeout)' }));
    });
    const error = await client(url)
      .get('/x')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      statusCode: 503,
      detail: 'peer-service answered 503: user-service is unavailable (timeout)',
      retryAfterSeconds: 2,
    });
  });

  it("reads a Retry-After given as an HTTP-date (a proxy's form) as the seconds until then", async () => {
    const url = await serve((_req, res) => {
      res.statusCode = 503;
      res.setHeader('retry-after', new Date(Date.now() + 30_000).toUTCString());
      res.end(JSON.stringify({ detail: 'busy' }));
    });
    const error = (await client(url)
      .get('/x')
      .catch((e: unknown) => e)) as { retryAfterSeconds?: number };
    // Whole seconds: the date has no milliseconds and a retried call takes time.
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(25);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(30);
  });

  it('maps an answer of the wrong shape to 502', async () => {
    const url = await serve((_req, res) => res.end(JSON.stringify({ unexpected: true })));
    await expect(client(url).get('/x', { schema: z.object({ id: z.number() }) })).rejects.toBeInstanceOf(
      BadGatewayError,
    );
  });
});
