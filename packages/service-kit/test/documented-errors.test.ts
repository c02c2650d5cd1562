import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type App, createServer } from '../src/index.js';

const apps: App[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function testApp(token?: string): Promise<App> {
  const config = { INTERNAL_API_TOKEN: token };
  const app = await createServer({ name: 'test-service', description: 'test', logger: false, config });
  const ok = { 200: z.object({ ok: z.boolean() }) };
  app.get('/plain', { schema: { response: ok } }, async () => ({ ok: true }));
  app.get(
    '/things/:id',
    {
      config: { dependsOn: ['database', 'peer-service'] },
      schema: { params: z.object({ id: z.string() }), response: ok },
    },
    async () => ({ ok: true }),
  );
  app.post(
    '/internal',
    { schema: { security: [{ serviceToken: [] }], body: z.object({}), response: ok } },
    async () => ({ ok: true }),
  );
  apps.push(app);
  await app.ready();
  return app;
}

async function documented(app: App) {
  // biome-ignore lint/suspicious/noExplicitAny: walking an arbitrary JSON document
  const { paths } = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as any;
  return {
    plain: paths['/plain'].get,
    things: paths['/things/{id}'].get,
    internal: paths['/internal'].post,
  };
}

describe('documented error answers', () => {
  it('lists what the inputs and the declared dependencies can answer, and nothing else', async () => {
    const { plain, things } = await documented(await testApp());
    // Without input or dependency: what Node's HTTP parser refuses before routing (400, 408,
    // 431) and the 503 of a service shutting down.
    expect(Object.keys(plain.responses)).toEqual(['200', '400', '408', '431', '503']);
    expect(plain['x-depends-on']).toBeUndefined();
    expect(Object.keys(things.responses)).toEqual([
      '200',
      '400',
      '408',
      '414',
      '422',
      '431',
      '502',
      '503',
      '504',
    ]);
    expect(things['x-depends-on']).toEqual(['database', 'peer-service']);
    expect(things.responses['502'].description).toBe(
      'peer-service rejected the request or answered something unusable',
    );
    expect(things.responses['503'].description).toBe(
      'The database is unreachable; the database is busy: every connection in use (`Database busy ...`, with `Retry-After`); the database is busy: a write met another at the same moment (a deadlock) even after retries; peer-service is unavailable or did not answer in time; the service is shutting down',
    );
  });

  it('guards and documents 401 on a route declaring security only when a token is configured', async () => {
    const guarded = await testApp('a-service-token-of-some-length');
    const { internal } = await documented(guarded);
    expect(Object.keys(internal.responses)).toContain('401');
    expect(internal.security).toEqual([{ serviceToken: [] }]);
    expect((await guarded.inject({ method: 'POST', url: '/internal', payload: {} })).statusCode).toBe(401);

    const open = await testApp();
    const { internal: unguarded } = await documented(open);
    expect(Object.keys(unguarded.responses)).not.toContain('401');
    expect(unguarded.security).toBeUndefined();
    expect((await open.inject({ method: 'POST', url: '/internal', payload: {} })).statusCode).toBe(200);
  });

  it('without a token, refuses and documents 403 to a browser request from another site', async () => {
    const open = await testApp();
    const post = (headers: Record<string, string>) =>
      open.inject({
        method: 'POST',
        url: '/internal',
        payload: {},
        headers: { host: 'reco:8121', ...headers },
      });
    const detail = 'Cross-site request refused: internal routes answer servers and pages of this service';
    for (const headers of <Record<string, string>[]>[
      { 'sec-fetch-site': 'cross-site' },
      // Another port on the same host is "same-site", still another page.
      { 'sec-fetch-site': 'same-site', origin: 'http://reco:9432' },
      // A browser without Fetch Metadata: its Origin is not this service's.
      { origin: 'http://evil.example' },
      { origin: 'null' },
    ]) {
      const response = await post(headers);
      expect(response.statusCode, JSON.stringify(headers)).toBe(403);
      expect(response.json()).toEqual({ detail });
    }
    // Servers and curl send neither header, at any host name (a compose service name).
    expect((await post({})).statusCode).toBe(200);
    // A page at a host name is what DNS rebinding looks like (a site's name re-pointed at this
    // machine is "same-origin" for the browser): refused. At an IP address or localhost
    // (Swagger UI's "Try it out" under npm start), same-origin pages are served.
    for (const headers of <Record<string, string>[]>[
      { 'sec-fetch-site': 'same-origin', origin: 'http://reco:8121' },
      { origin: 'http://reco:8121' },
    ]) {
      const response = await post(headers);
      expect(response.statusCode, JSON.stringify(headers)).toBe(403);
      expect(response.json().detail).toMatch(/^Browser request refused: without INTERNAL_API_TOKEN/);
    }
    for (const host of ['127.0.0.1:8121', 'localhost:8121', '[::1]:8121']) {
      const response = await open.inject({
        method: 'POST',
        url: '/internal',
        payload: {},
        headers: { host, 'sec-fetch-site': 'same-origin', origin: `http://${host}` },
      });
      expect(response.statusCode, host).toBe(200);
    }
    const { internal } = await documented(open);
    expect(internal.responses['403']).toMatchObject({ description: expect.stringMatching(/another site/) });

    const guarded = await testApp('a-service-token-of-some-length');
    expect(Object.keys((await documented(guarded)).internal.responses)).not.toContain('403');
  });
});
