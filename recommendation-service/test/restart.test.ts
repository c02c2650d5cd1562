import { type RunningService, startService } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../src/deps.js';
import { catalogSettled, json, type Stack, startStack } from './helper.js';

type Answer = { product_id: number; score: number; reason: { kind: string } }[];

/**
 * Issue 11: scores mean the same across restarts. A restart on unchanged data answers, as soon as
 * /readyz says ready, what it answers a minute later: the first answers used to be ranked with a
 * vector search while the product neighbour lists were still being built, then from the lists
 * (scores a few thousandths apart, a reason of another kind).
 */
describe('a restart on unchanged data', () => {
  let stack: Stack;
  let recommendations: RunningService<'recommendation-service'>;

  beforeAll(async () => {
    stack = await startStack();
    await catalogSettled(stack);
    recommendations = stack.recommendations;
  }, 180_000);

  afterAll(async () => {
    await recommendations?.close();
    await stack?.catalog.close();
    await stack?.users.close();
  });

  it('answers, once /readyz says ready, what it answers once settled', async () => {
    const customers = [1, 2, 3, 4, 5];
    const answers = () =>
      Promise.all(
        customers.map((id) => json<Answer>(`${recommendations.url}/recommendation/${id}?limit=10`)),
      );
    await (recommendations.app.deps as Deps).neighbours!.idle();
    const settled = await answers();
    const { port, env } = recommendations;
    await recommendations.close();
    const restarting = startService('recommendation-service', env, { port, waitForStartUp: false });
    const ready = () =>
      fetch(`${recommendations.url}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
    await expect.poll(ready, { timeout: 60_000, interval: 5 }).toBe(200);
    const atReady = await answers();
    recommendations = await restarting;
    await (recommendations.app.deps as Deps).neighbours!.idle();
    expect(atReady).toEqual(settled);
    expect(await answers()).toEqual(settled);
  }, 120_000);
});
