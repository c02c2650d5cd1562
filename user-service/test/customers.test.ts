import type { App } from '@ecom/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, testConfig } from './helper.js';

const alice = { title: 'Alice Test', gender: 'Female', age: 30, location: 'Oslo', preference: 'Books' };

describe('customer CRUD', () => {
  let app: App;

  beforeAll(async () => {
    app = await startApp(await testConfig({ SEED_ON_START: 'false' }));
  });
  afterAll(async () => {
    await app.close();
  });

  it('creates, reads, updates and deletes a customer', async () => {
    const created = await app.inject({ method: 'POST', url: '/customer/', payload: alice });
    expect(created.statusCode).toBe(200);
    const customer = created.json();
    expect(customer).toMatchObject(alice);
    expect(customer.id).toBeGreaterThan(0);

    const read = await app.inject({ method: 'GET', url: `/customer/${customer.id}` });
    expect(read.json()).toEqual(customer);

    const updated = await app.inject({
      method: 'PUT',
      url: '/customer/',
      payload: { ...customer, age: 31, location: 'Bergen' },
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toEqual({ ...customer, age: 31, location: 'Bergen' });

    const deleted = await app.inject({ method: 'DELETE', url: `/customer/${customer.id}` });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    const gone = await app.inject({ method: 'GET', url: `/customer/${customer.id}` });
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toEqual({ detail: `Customer ${customer.id} not found` });
  });

  it('accepts the path without its trailing slash too', async () => {
    const response = await app.inject({ method: 'GET', url: '/customer' });
    expect(response.statusCode).toBe(200);
  });

  it('pages the list with skip/limit and reports the total in X-Total-Count', async () => {
    for (let i = 0; i < 12; i++) {
      const response = await app.inject({
        method: 'POST',
        url: '/customer/',
        payload: { ...alice, title: `Pager ${String(i).padStart(2, '0')}` },
      });
      expect(response.statusCode).toBe(200);
    }
    const first = await app.inject({ method: 'GET', url: '/customer/' });
    expect(first.json()).toHaveLength(10);
    const total = Number(first.headers['x-total-count']);
    expect(total).toBeGreaterThanOrEqual(12);

    const all = await app.inject({ method: 'GET', url: '/customer/?limit=100' });
    const ids = all.json().map((c: { id: number }) => c.id);
    expect(ids).toEqual([...ids].sort((a: number, b: number) => a - b));

    const second = await app.inject({ method: 'GET', url: '/customer/?skip=10&limit=5' });
    expect(second.json().map((c: { id: number }) => c.id)).toEqual(ids.slice(10, 15));

    const tooMany = await app.inject({ method: 'GET', url: '/customer/?limit=101' });
    expect(tooMany.statusCode).toBe(422);
  });

  it('answers 409 for a duplicate name, on create and on update, and keeps the stored rows', async () => {
    const first = await app.inject({
      method: 'POST',
      url: '/customer/',
      payload: { ...alice, title: 'Dup' },
    });
    const other = await app.inject({
      method: 'POST',
      url: '/customer/',
      payload: { ...alice, title: 'Other' },
    });
    const again = await app.inject({
      method: 'POST',
      url: '/customer/',
      payload: { ...alice, title: 'Dup' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ detail: 'A customer named "Dup" already exists' });

    const rename = await app.inject({
      method: 'PUT',
      url: '/customer/',
      payload: { ...other.json<Record<string, unknown>>(), title: 'Dup' },
    });
    expect(rename.statusCode).toBe(409);
    const stillOther = await app.inject({ method: 'GET', url: `/customer/${other.json().id}` });
    expect(stillOther.json().title).toBe('Other');
    expect(first.statusCode).toBe(200);
  });

  it('answers 404 for unknown ids on get, update and delete', async () => {
    const get = await app.inject({ method: 'GET', url: '/customer/999999' });
    const put = await app.inject({ method: 'PUT', url: '/customer/', payload: { ...alice, id: 999999 } });
    const del = await app.inject({ method: 'DELETE', url: '/customer/999999' });
    expect([get.statusCode, put.statusCode, del.statusCode]).toEqual([404, 404, 404]);
    expect(put.json().detail).toBe('Customer 999999 not found');
  });

  it('answers 422 in FastAPI shape for invalid input', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/customer/',
      payload: { title: '', gender: 'x'.repeat(16), age: 'old', location: 'Oslo' },
    });
    expect(response.statusCode).toBe(422);
    const { detail } = response.json();
    const locs = detail.map((item: { loc: unknown[] }) => item.loc.join('.'));
    expect(locs).toEqual(
      expect.arrayContaining(['body.title', 'body.gender', 'body.age', 'body.preference']),
    );
    for (const item of detail) {
      expect(typeof item.msg).toBe('string');
      expect(typeof item.type).toBe('string');
    }
  });

  it.each([
    ['/customer/abc'],
    ['/customer/0'],
    ['/customer/-1'],
    ['/customer/1.5'],
    ['/customer/99999999999999999999'],
  ])('answers 422, never 500, for the id in %s', async (url) => {
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(422);
    expect(response.json().detail[0].loc).toEqual(['params', 'id']);
  });

  it('answers 400 for malformed JSON and 413 for an oversized body, with a detail', async () => {
    const malformed = await app.inject({
      method: 'POST',
      url: '/customer/',
      headers: { 'content-type': 'application/json' },
      payload: '{"title": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toEqual({ detail: 'Malformed JSON body' });

    const huge = await app.inject({
      method: 'POST',
      url: '/customer/',
      payload: { ...alice, title: 'x'.repeat(2_000_000) },
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toEqual({ detail: 'Request body is too large' });

    const text = await app.inject({
      method: 'POST',
      url: '/customer/',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().detail).toMatch(/content type/i);
  });

  it('gives every response a request id and echoes one that is sent', async () => {
    const own = await app.inject({ method: 'GET', url: '/healthz' });
    expect(own.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(echoed.headers['x-request-id']).toBe('abc-123');
  });

  it('serves health, readiness, Swagger UI and the OpenAPI document', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({
      status: 'ok',
      service: 'user-service',
    });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
    const ui = await app.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(ui.statusCode);
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/customer/', '/customer/{id}']));
    expect(doc.paths['/customer/'].post.requestBody).toBeDefined();
  });
});
