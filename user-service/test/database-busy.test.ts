import type { AppWith } from '@ecom/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../src/deps.js';
import { startApp, testConfig, usingPostgres } from './helper.js';

// Every connection of the service's pool (10, packages/db) busy: Postgres answers, the request
// could not get a connection in time. Not an outage, and the client is told so.
describe.skipIf(!usingPostgres)('a database whose connections are all in use (Postgres)', () => {
  let app: AppWith<Deps>;
  beforeAll(async () => {
    app = (await startApp(await testConfig({ SEED_ON_START: 'false' }))) as AppWith<Deps>;
  }, 60_000);
  afterAll(() => app?.close());

  it('answers 503 "Database busy" with Retry-After, not "Database unavailable"', async () => {
    // Queued before the requests below (the pool serves its waiters in order), they hold all 10
    // connections for longer than the pool's 3 s wait and Prisma's 2 s transaction start.
    // Prisma queries start when awaited: Promise.all starts them.
    const holding = Promise.all(
      Array.from({ length: 10 }, () => app.deps.prisma.$executeRawUnsafe('SELECT pg_sleep(6)')),
    );
    const [read, list] = await Promise.all([
      app.inject({ method: 'GET', url: '/customer/1' }),
      app.inject({ method: 'GET', url: '/customer/' }),
    ]);
    await holding;
    for (const answer of [read, list]) {
      expect([answer.statusCode, answer.json()]).toEqual([
        503,
        { detail: 'Database busy (every connection in use), try again shortly' },
      ]);
      expect(answer.headers['retry-after']).toBe('1');
    }
    // The burst is over: the same request succeeds.
    expect((await app.inject({ method: 'GET', url: '/customer/1' })).statusCode).toBe(404);
  }, 60_000);
});
