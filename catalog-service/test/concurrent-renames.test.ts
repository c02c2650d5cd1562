import type { App } from '@ecom/service-kit';
import { unexpectedAnswers } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, testConfig } from './helper.js';

// Two products renamed to each other's titles at once: on Postgres each UPDATE can wait on the
// other's unique-index entry, a deadlock, and Postgres rolls one back. That one must answer the
// 409 it would answer alone, not a 500. A deadlock needs both updates in the same instant, so
// many pairs go at once (one in about 160 requests met one before the fix).
describe('products renamed to each other’s titles at once', () => {
  let app: App;

  beforeAll(async () => {
    app = await startApp(await testConfig());
  });
  afterAll(async () => {
    await app.close();
  });

  const send = (method: 'POST' | 'PUT', url: string, payload: object) => app.inject({ method, url, payload });

  it('each answers 409 (the other title is taken) and both keep their titles', async () => {
    const category = (await send('POST', '/category/', { title: 'Swaps' })).json();
    const pairs: { id: number; title: string }[][] = [];
    for (let index = 0; index < 60; index++) {
      const a = (
        await send('POST', '/products/', { title: `Left ${index}`, category_id: category.id })
      ).json();
      const b = (
        await send('POST', '/products/', { title: `Right ${index}`, category_id: category.id })
      ).json();
      pairs.push([a, b]);
    }
    const rename = (product: { id: number }, title: string) =>
      send('PUT', '/products/', { id: product.id, title, category_id: category.id });
    // Bursts of 15 pairs (60 requests): a deadlock needs only a pair's four at once, and the pool
    // of 10 serves 60 within Prisma's 2 s transaction wait even on a loaded machine (all 240 at
    // once got 503s at load average 21).
    for (let burst = 0; burst < 12; burst++) {
      const first = (burst % 4) * 15;
      const answers = await Promise.all(
        pairs
          .slice(first, first + 15)
          .flatMap(([a, b]) => [
            rename(a!, b!.title),
            rename(b!, a!.title),
            rename(a!, b!.title.toUpperCase()),
            rename(b!, a!.title.toLowerCase()),
          ]),
      );
      expect(unexpectedAnswers(answers, /^409 A product titled ".*" already exists$/)).toEqual([]);
    }
    for (const [a, b] of pairs) {
      expect((await app.inject({ method: 'GET', url: `/products/${a!.id}` })).json().title).toBe(a!.title);
      expect((await app.inject({ method: 'GET', url: `/products/${b!.id}` })).json().title).toBe(b!.title);
    }
  });
});
