import { unexpectedAnswers } from '@ecom/testing';
import { describe, expect, it } from 'vitest';
import { startApp, testConfig } from './helper.js';

// Two customers renamed to each other's names at once: on Postgres each UPDATE can wait on the
// other's unique-index entry, a deadlock, and Postgres rolls one back. That one must answer the
// 409 it would answer alone, not a 500. A deadlock needs both updates in the same instant, so
// many pairs go at once.
describe('customers renamed to each other’s names at once', () => {
  const customer = (title: string) => ({
    title,
    gender: 'F',
    age: 30,
    location: 'Oslo',
    preference: 'Books',
  });

  it('each answers 409 (the other name is taken) and both keep their names', async () => {
    const app = await startApp(await testConfig());
    try {
      const pairs: { id: number; title: string }[][] = [];
      for (let index = 0; index < 60; index++) {
        const create = async (title: string) =>
          (await app.inject({ method: 'POST', url: '/customer/', payload: customer(title) })).json();
        pairs.push([await create(`Left ${index}`), await create(`Right ${index}`)]);
      }
      const rename = (who: { id: number }, title: string) =>
        app.inject({ method: 'PUT', url: '/customer/', payload: { ...customer(title), id: who.id } });
      for (let round = 0; round < 3; round++) {
        const answers = await Promise.all(
          pairs.flatMap(([a, b]) => [rename(a!, b!.title), rename(b!, a!.title)]),
        );
        expect(unexpectedAnswers(answers, /^409 A customer named ".*" already exists$/)).toEqual([]);
      }
      for (const [a, b] of pairs) {
        expect((await app.inject({ method: 'GET', url: `/customer/${a!.id}` })).json().title).toBe(a!.title);
        expect((await app.inject({ method: 'GET', url: `/customer/${b!.id}` })).json().title).toBe(b!.title);
      }
    } finally {
      await app.close();
    }
  });
});
