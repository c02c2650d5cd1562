import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type App,
  createServer,
  HTTP_DURATION_BUCKETS,
  parsePrometheusText,
  quantileMs,
  RecentLatency,
} from '../src/index.js';
import { loggedServer } from './logged-server.js';

const apps: App[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function testApp(): Promise<App> {
  const app = await createServer({
    name: 'test-service',
    description: 'test',
    logger: false,
    config: { INTERNAL_API_TOKEN: 'a-service-token-of-some-length' },
  });
  app.get(
    '/items/:id',
    { schema: { params: z.object({ id: z.coerce.number().int().min(1) }) } },
    async (request) => ({ id: request.params.id }),
  );
  app.addReadinessCheck('database', async () => {});
  app.addReadinessCheck('broken', async () => {
    throw new Error('down');
  });
  app.metrics.gauge('test_backlog', 'a gauge read at scrape time', () => 42);
  app.metrics.gauge('test_unknown', 'unknown value', () => null);
  app.metrics.gauge('test_unreadable', 'its database is down', async () => {
    throw new Error('Database unavailable');
  });
  apps.push(app);
  await app.ready();
  return app;
}

function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return parsePrometheusText(text).find(
    (row) => row.name === name && Object.entries(labels).every(([key, value]) => row.labels[key] === value),
  )?.value;
}

describe('/metrics', () => {
  it('counts requests by route pattern and status, without the service token, in Prometheus text', async () => {
    const app = await testApp();
    for (const id of [1, 2, 3]) await app.inject({ method: 'GET', url: `/items/${id}` });
    await app.inject({ method: 'GET', url: '/items/0' });
    await app.inject({ method: 'GET', url: '/nowhere/7' });

    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = response.body;
    const count = (route: string, status: string) =>
      sample(text, 'http_request_duration_seconds_count', { method: 'GET', route, status_code: status });
    expect(count('/items/:id', '200')).toBe(3);
    expect(count('/items/:id', '422')).toBe(1);
    // Unknown paths share one series: ids in URLs never become label values.
    expect(count('unmatched', '404')).toBe(1);
    expect(text).not.toContain('/items/1"');
    expect(sample(text, 'http_request_duration_seconds_bucket', { route: '/items/:id', le: '+Inf' })).toBe(3);
    expect(sample(text, 'test_backlog', { service: 'test-service' })).toBe(42);
    expect(sample(text, 'test_unknown')).toBeNaN();
    // A gauge that cannot be read is unknown, not a failed scrape (/metrics documents no 503 for it).
    expect(sample(text, 'test_unreadable')).toBeNaN();
    expect(sample(text, 'dependency_up', { dependency: 'database' })).toBe(1);
    expect(sample(text, 'dependency_up', { dependency: 'broken' })).toBe(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('logs why a gauge cannot be read, once per run of failures, and when it reads again', async () => {
    const { app, lines } = await loggedServer();
    apps.push(app);
    let broken = true;
    app.metrics.gauge('test_flaky', 'fails until fixed', () => {
      if (broken) throw new TypeError('cannot read properties of undefined');
      return 7;
    });
    await app.ready();
    const scrape = async () =>
      sample((await app.inject({ method: 'GET', url: '/metrics' })).body, 'test_flaky');
    expect(await scrape()).toBeNaN();
    expect(await scrape()).toBeNaN();
    broken = false;
    expect(await scrape()).toBe(7);
    const about = lines.filter((line) => line.metric === 'test_flaky');
    expect(about.map((line) => line.msg)).toEqual([
      'metric could not be read; exposed as NaN',
      'metric readable again',
    ]);
    expect(about[0]?.err).toMatchObject({ message: 'cannot read properties of undefined' });
  });

  it('is listed in the OpenAPI document as text/plain', async () => {
    const app = await testApp();
    const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    const operation = document.paths['/metrics'].get;
    expect(Object.keys(operation.responses['200'].content)).toEqual(['text/plain']);
    expect(operation.security).toBeUndefined();
  });
});

describe('RecentLatency', () => {
  it('turns histogram samples into requests per second and interpolated p50/p99 per interval', async () => {
    const app = await testApp();
    const recent = new RecentLatency(app.metrics.httpDurations, 'GET', '/items/:id', 1000);
    await recent.sample();
    let slowestMs = 0;
    for (let id = 1; id <= 20; id++) {
      const started = performance.now();
      await app.inject({ method: 'GET', url: `/items/${id}` });
      slowestMs = Math.max(slowestMs, performance.now() - started);
    }
    await app.inject({ method: 'GET', url: '/nowhere' }); // another route: not counted
    await recent.sample();
    const [point] = recent.points();
    expect(point!.requestsPerSecond).toBeGreaterThan(0);
    expect(point!.p50Ms).toBeGreaterThan(0);
    expect(point!.p50Ms!).toBeLessThanOrEqual(point!.p99Ms!);
    // Interpolated inside its bucket, the p99 is at most the bound of the bucket that holds the
    // slowest request (each timed here from outside, so at least what the histogram saw): in ms,
    // however slow the machine.
    const slowestBucketMs = HTTP_DURATION_BUCKETS.map((bound) => bound * 1000).find((ms) => ms >= slowestMs);
    expect(point!.p99Ms!).toBeLessThanOrEqual(slowestBucketMs ?? Number.POSITIVE_INFINITY);
    await recent.sample();
    expect(recent.points()[1]).toMatchObject({ requestsPerSecond: 0, p50Ms: null, p99Ms: null });
    // The whole window still holds the 20 requests of the first interval.
    const window = recent.window()!;
    expect(window.p50Ms).toBe(point!.p50Ms);
    expect(window.requestsPerSecond * window.seconds).toBeCloseTo(20);
  });

  it('interpolates inside a bucket like histogram_quantile', () => {
    // 10 requests: 4 in (0, 1 ms], 6 in (1, 2.5 ms].
    expect(quantileMs(0.5, [4, 10, 10], [0.001, 0.0025])).toBeCloseTo(1.25);
    expect(quantileMs(0.2, [4, 10, 10], [0.001, 0.0025])).toBeCloseTo(0.5);
    expect(quantileMs(0.99, [0, 0, 3], [0.001, 0.0025])).toBe(2.5);
    expect(quantileMs(0.5, [0, 0, 0], [0.001, 0.0025])).toBeNull();
  });
});
