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

  it('counts customers in /metrics', async () => {
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const customers = parsePrometheusText(text).find((sample) => sample.name === 'user_customers');
    expect(customers?.value).toBe(3);
  });
});
