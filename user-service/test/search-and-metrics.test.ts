import { type App, parsePrometheusText } from '@ecom/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, testConfig } from './helper.js';

const profile = { gender: 'Female', age: 30, location: 'Oslo', preference: 'Books' };

describe('customer search and /metrics', () => {
  let app: App;

  beforeAll(async () => {
    app = await startApp(await testConfig({ SEED_ON_START: 'false' }));
    for (const title of ['Marta Lindqvist', 'Martin Berg', 'Ola Nordmann']) {
      const created = await app.inject({ method: 'POST', url: '/customer/', payload: { ...profile, title } });
      expect(created.statusCode).toBe(200);
    }
  });
  afterAll(async () => {
    await app.close();
  });

  it('finds customers by part of their name, ignoring case, with the matching total', async () => {
    const response = await app.inject({ method: 'GET', url: '/customer/?q=MART' });
    expect(response.statusCode).toBe(200);
    expect(response.json().map((c: { title: string }) => c.title)).toEqual([
      'Marta Lindqvist',
      'Martin Berg',
    ]);
    expect(response.headers['x-total-count']).toBe('2');
    const none = await app.inject({ method: 'GET', url: '/customer/?q=zzz' });
    expect(none.json()).toEqual([]);
    expect((await app.inject({ method: 'GET', url: `/customer/?q=${'x'.repeat(151)}` })).statusCode).toBe(
      422,
    );
  });

  it('searches for % and _ as text, not as LIKE wildcards', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/customer/',
      payload: { ...profile, title: 'Ola_100%' },
    });
    const titles = async (q: string) =>
      (await app.inject({ method: 'GET', url: `/customer/?q=${encodeURIComponent(q)}` }))
        .json()
        .map((c: { title: string }) => c.title);
    expect(await titles('%')).toEqual(['Ola_100%']);
    expect(await titles('_')).toEqual(['Ola_100%']);
    expect(await titles('Mart_')).toEqual([]);
    expect(await titles('a_1')).toEqual(['Ola_100%']);
    expect(await titles('\\')).toEqual([]);
    await app.inject({ method: 'DELETE', url: `/customer/${created.json().id}` });
  });

  it('counts customers in /metrics', async () => {
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const customers = parsePrometheusText(text).find((sample) => sample.name === 'user_customers');
    expect(customers?.value).toBe(3);
  });
});
