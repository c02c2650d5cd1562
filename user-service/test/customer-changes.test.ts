import type { App } from '@ecom/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, testConfig } from './helper.js';

interface Change {
  version: number;
  customer_id: number;
  customer: { id: number; title: string; age: number } | null;
}

const profile = { gender: 'Female', age: 30, location: 'Oslo', preference: 'Books' };

describe('the customer feed (GET /customer/changes/)', () => {
  let app: App;

  beforeAll(async () => {
    app = await startApp(await testConfig({ SEED_ON_START: 'false' }));
  });
  afterAll(async () => {
    await app.close();
  });

  const changes = async (after: number, limit = 100): Promise<Change[]> => {
    const response = await app.inject({ url: `/customer/changes/?after_version=${after}&limit=${limit}` });
    expect(response.statusCode).toBe(200);
    return response.json();
  };

  it('lists each written customer once, as they are now, deletions as null, in version order', async () => {
    const start = (await changes(0)).at(-1)?.version ?? 0;
    const a = (
      await app.inject({ method: 'POST', url: '/customer/', payload: { title: 'Feed A', ...profile } })
    ).json();
    const b = (
      await app.inject({ method: 'POST', url: '/customer/', payload: { title: 'Feed B', ...profile } })
    ).json();
    const afterCreates = await changes(start);
    expect(afterCreates.map((change) => change.customer_id)).toEqual([a.id, b.id]);
    expect(afterCreates[0]!.customer).toEqual(a);
    const seen = afterCreates.at(-1)!.version;

    // A profile change and a deletion: the follower sees both after what it saw, A once.
    await app.inject({ method: 'PUT', url: '/customer/', payload: { ...a, age: 31 } });
    await app.inject({ method: 'DELETE', url: `/customer/${b.id}` });
    const later = await changes(seen);
    expect(later).toEqual([
      { version: expect.any(Number), customer_id: a.id, customer: { ...a, age: 31 } },
      { version: expect.any(Number), customer_id: b.id, customer: null },
    ]);
    expect(later[0]!.version).toBeGreaterThan(seen);
    expect(later[1]!.version).toBeGreaterThan(later[0]!.version);
    // From the start: A and B once each, as they are now.
    const all = await changes(start);
    expect(all.map((change) => change.customer_id)).toEqual([a.id, b.id]);
    // Pages.
    expect((await changes(start, 1)).map((change) => change.customer_id)).toEqual([a.id]);
    expect(await changes(later[1]!.version)).toEqual([]);
  });

  it('rejects a malformed cursor or limit with 422', async () => {
    for (const query of ['after_version=-1', 'after_version=abc', 'limit=0', 'limit=1001']) {
      const response = await app.inject({ url: `/customer/changes/?${query}` });
      expect(response.statusCode, query).toBe(422);
    }
  });
});
