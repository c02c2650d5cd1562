import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type App,
  createServer,
  errorSchema,
  idField,
  idParam,
  noContent,
  queryInt,
  text,
  wellFormed,
} from '../src/index.js';

// Issue 12: what an outside fuzzer and hand probes found in the shared request layer.

const apps: App[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

/** POSTs a JSON text as it is, for bodies that JSON.stringify would not write. */
function postRawJson(app: App, payload: string) {
  return app.inject({
    method: 'POST',
    url: '/items/',
    headers: { 'content-type': 'application/json' },
    payload,
  });
}

async function testApp(timeouts?: { headersMs: number; requestMs: number }): Promise<App> {
  const app = await createServer({ name: 'test-service', description: 'test', logger: false, timeouts });
  app.get(
    '/items/:id',
    {
      schema: {
        params: z.object({ id: idParam() }),
        querystring: z.object({ limit: queryInt(1, 100).default(10), q: text({ max: 20 }).optional() }),
      },
    },
    async (request) => ({ id: request.params.id, limit: request.query.limit }),
  );
  app.delete(
    '/items/:id',
    {
      schema: {
        params: z.object({ id: idParam() }),
        response: { 204: noContent, 404: errorSchema },
      },
    },
    async (request, reply) => {
      if (request.params.id !== 1) return reply.code(404).send({ detail: 'Item not found' });
      return reply.code(204).send();
    },
  );
  app.post('/items/special', async () => ({ special: true }));
  app.post(
    '/items/',
    {
      schema: {
        body: z.object({
          id: idField(),
          title: text({ max: 5, required: true }),
          tags: z.array(text({ max: 10, required: true, forbid: ',' })).default([]),
        }),
      },
    },
    async (request) => request.body,
  );
  apps.push(app);
  await app.ready();
  return app;
}

describe('ids and numbers in paths and queries', () => {
  it('accept decimal digits only: hex, binary and exponent forms are a 422 (bug 3)', async () => {
    const app = await testApp();
    expect((await app.inject('/items/16?limit=16')).json()).toEqual({ id: 16, limit: 16 });
    for (const url of [
      '/items/0x10',
      '/items/0b10000',
      '/items/1.6e1',
      '/items/1e1',
      '/items/16?limit=0x10',
      '/items/16?limit=1e2',
    ]) {
      const response = await app.inject(url);
      expect(response.statusCode, url).toBe(422);
      expect(response.json().detail, url).toHaveLength(1);
    }
    // The DELETE that removed category 16 when sent /category/0x10.
    expect((await app.inject({ method: 'DELETE', url: '/items/0x1' })).statusCode).toBe(422);
  });

  it('answer one 422 entry for a 20-digit id (bug 10)', async () => {
    const app = await testApp();
    const response = await app.inject('/items/12345678901234567890');
    expect(response.statusCode).toBe(422);
    expect(response.json().detail).toEqual([
      { loc: ['params', 'id'], msg: expect.stringContaining('2147483647'), type: 'too_big' },
    ]);
  });

  it('refuse a number sent as a string in a JSON body, as the schema says', async () => {
    const app = await testApp();
    const response = await app.inject({ method: 'POST', url: '/items/', payload: { id: '3', title: 'ok' } });
    expect(response.statusCode).toBe(422);
    expect(response.json().detail[0].loc).toEqual(['body', 'id']);
  });
});

describe('methods and bodies', () => {
  it('answers an undeclared method on a known path with 405 and Allow (bug 4)', async () => {
    const app = await testApp();
    const patch = await app.inject({ method: 'PATCH', url: '/items/1' });
    expect(patch.statusCode).toBe(405);
    expect(patch.headers.allow).toBe('DELETE, GET, HEAD');
    expect(patch.json().detail).toMatch(/^Method PATCH not allowed on \/items\/1/);
    // QUERY without Content-Type is refused by Fastify before routing; still a 405 here.
    const query = await app.inject({ method: 'QUERY' as 'GET', url: '/items/1' });
    expect(query.statusCode).toBe(405);
    const trace = await app.inject({ method: 'TRACE', url: '/healthz' });
    expect(trace.statusCode).toBe(405);
    expect(trace.headers.allow).toBe('GET, HEAD');
    // A static path shadows a parameter route: /items/ takes POST only, not GET /items/:id.
    const options = await app.inject({ method: 'OPTIONS', url: '/items/special' });
    expect(options.headers.allow).toBe('POST');
    // ...also for a method the parameter route has: GET /items/special is not GET /items/:id.
    const get = await app.inject({ method: 'GET', url: '/items/special' });
    expect(get.statusCode).toBe(405);
    expect(get.headers.allow).toBe('POST');
    // A path no route has stays a 404.
    expect((await app.inject({ method: 'PATCH', url: '/nothing' })).statusCode).toBe(404);
    // So does a file the GET route of Swagger UI's files does not have: not "GET not allowed; use GET".
    const file = await app.inject({ method: 'GET', url: '/docs/static/nope.js' });
    expect([file.statusCode, file.headers.allow]).toEqual([404, undefined]);
  });

  it('handles a DELETE with Content-Type: application/json and no body normally (bug 5)', async () => {
    const app = await testApp();
    const headers = { 'content-type': 'application/json' };
    const missing = await app.inject({ method: 'DELETE', url: '/items/999999', headers });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ detail: 'Item not found' });
    const deleted = await app.inject({ method: 'DELETE', url: '/items/1', headers });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    // A POST without a body is a validation error of the body, not malformed JSON.
    const post = await app.inject({ method: 'POST', url: '/items/', headers });
    expect(post.statusCode).toBe(422);
    expect(post.json().detail[0].loc).toEqual(['body']);
  });

  it('stores lone UTF-16 surrogates as U+FFFD, in every field (bugs 1 and 2)', async () => {
    const app = await testApp();
    const response = await postRawJson(app, '{"id":1,"title":"t\\ud800","tags":["a\\ud800b","\\udc00"]}');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: 1, title: 't\ufffd', tags: ['a\ufffdb', '\ufffd'] });
    // A well-formed pair is kept as it is.
    expect(wellFormed({ k: ['😀', { '\ud800': 'x' }] })).toEqual({ k: ['😀', { '\ufffd': 'x' }] });
  });

  it('refuses a body that is not UTF-8 (a Latin-1 "Café") instead of storing U+FFFD in its place', async () => {
    const app = await testApp();
    const latin1 = Buffer.from('{"id":1,"title":"Caf\xe9"}', 'latin1');
    for (const type of ['application/json', 'application/json; charset=iso-8859-1']) {
      const response = await app.inject({
        method: 'POST',
        url: '/items/',
        headers: { 'content-type': type },
        payload: latin1,
      });
      expect([response.statusCode, response.json()], type).toEqual([
        400,
        { detail: 'Malformed JSON body: not UTF-8' },
      ]);
    }
    const utf8 = await postRawJson(app, '{"id":1,"title":"Café"}');
    expect(utf8.json()).toEqual({ id: 1, title: 'Café', tags: [] });
  });

  it('drops __proto__ keys instead of refusing the body', async () => {
    const app = await testApp();
    const response = await postRawJson(app, '{"id":1,"title":"t","__proto__":{"admin":true}}');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: 1, title: 't', tags: [] });
  });

  it('counts text length in characters and refuses blank, NUL and forbidden characters', async () => {
    const app = await testApp();
    const post = (payload: object) => app.inject({ method: 'POST', url: '/items/', payload });
    expect((await post({ id: 1, title: '😀😀😀😀😀' })).statusCode).toBe(200);
    expect((await post({ id: 1, title: '😀😀😀😀😀😀' })).statusCode).toBe(422);
    expect((await post({ id: 1, title: ' \u3000 ' })).statusCode).toBe(422);
    expect((await post({ id: 1, title: 'a\u0000' })).statusCode).toBe(422);
    expect((await post({ id: 1, title: 'ok', tags: ['a,b'] })).statusCode).toBe(422);
    expect((await post({ id: 1, title: ' ok ' })).json().title).toBe('ok');
  });

  it('names a NUL in a text field or a text query `string_nul`, as docs/limits.md says', async () => {
    const app = await testApp();
    const nul = (loc: (string | number)[]) => ({
      detail: [{ loc, msg: 'Text must not contain NUL (\\u0000) characters', type: 'string_nul' }],
    });
    const body = await app.inject({ method: 'POST', url: '/items/', payload: { id: 1, title: 'a\u0000b' } });
    expect(body.statusCode).toBe(422);
    expect(body.json()).toEqual(nul(['body', 'title']));
    const query = await app.inject({ method: 'GET', url: '/items/1?q=a%00b' });
    expect(query.statusCode).toBe(422);
    expect(query.json()).toEqual(nul(['querystring', 'q']));
    // Other checks keep zod's code as their type.
    const long = await app.inject({ method: 'POST', url: '/items/', payload: { id: 1, title: 'abcdef' } });
    expect(long.json().detail[0].type).toBe('custom');
  });
});

describe('slow clients', () => {
  // Real sockets against shortened limits: before the fix Node only looked at its header and
  // request timeouts every 30 s, so a 1 s limit was enforced after up to 31 s.
  const openSlowClient = async (app: App, send: (socket: net.Socket) => void): Promise<number> => {
    const address = app.server.address() as net.AddressInfo;
    const started = Date.now();
    const socket = net.connect(address.port, '127.0.0.1');
    socket.on('connect', () => send(socket));
    socket.on('error', () => {});
    await new Promise((resolve) => socket.on('close', resolve));
    return Date.now() - started;
  };

  it('cuts a client that sends its headers too slowly, and one that never finishes its body, on time (bug 7)', async () => {
    const app = await testApp({ headersMs: 1_000, requestMs: 2_000 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const headers = await openSlowClient(app, (socket) => {
      socket.write('GET /items/1 HTTP/1.1\r\nHost: x\r\n');
      // One header byte every 200 ms: never idle, never done.
      const drip = setInterval(() => socket.writable && socket.write('X'), 200);
      socket.on('close', () => clearInterval(drip));
    });
    expect(headers).toBeGreaterThanOrEqual(900);
    expect(headers).toBeLessThan(10_000);
    const body = await openSlowClient(app, (socket) => {
      socket.write(
        'POST /items/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
      );
      const drip = setInterval(() => socket.writable && socket.write(' '), 200);
      socket.on('close', () => clearInterval(drip));
    });
    expect(body).toBeGreaterThanOrEqual(1_900);
    expect(body).toBeLessThan(12_000);
  }, 30_000);

  it('uses the limits docs/limits.md promises by default', async () => {
    const app = await testApp();
    expect(app.server.headersTimeout).toBe(30_000);
    expect(app.server.requestTimeout).toBe(60_000);
    expect(app.server.keepAliveTimeout).toBe(72_000);
  });
});
