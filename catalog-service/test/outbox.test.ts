import { setTimeout as sleep } from 'node:timers/promises';
import { type App, type AppWith, parsePrometheusText } from '@ecom/service-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import type { Config } from '../src/config.js';
import type { Deps } from '../src/deps.js';
import {
  createProduct,
  eventually,
  ORIGINAL_DATASET,
  type ReceivedCall,
  startApp,
  startUserService,
  TestServer,
  testConfig,
  usingPostgres,
} from './helper.js';

const TOKEN = 'test-internal-token-0123456789';

interface Payload {
  product_id: number;
  product_title: string;
  category_id: number;
  category_title: string;
  product_tags: string[];
  product_description: string;
}

type Event = { kind: 'upsert'; payload: Payload } | { kind: 'delete' };

/** What the receiver heard about each product, in the order it heard it. */
function eventsByProduct(calls: ReceivedCall[]): Map<number, Event[]> {
  const events = new Map<number, Event[]>();
  const add = (id: number, event: Event) => {
    const list = events.get(id) ?? [];
    list.push(event);
    events.set(id, list);
  };
  for (const call of calls) {
    if (call.path === '/recommendation/products/batch') {
      for (const payload of (call.body as { products: Payload[] }).products)
        add(payload.product_id, { kind: 'upsert', payload });
    } else if (call.path === '/recommendation/products/delete') {
      for (const id of (call.body as { product_ids: number[] }).product_ids) add(id, { kind: 'delete' });
    }
  }
  return events;
}

const ok = (call: ReceivedCall) => {
  // The dispatcher's probe while the receiver was down (not listening).
  if (call.path === '/readyz') return { status: 200, body: { status: 'ready', checks: {} } };
  if (call.path === '/recommendation/products/batch') {
    return { status: 200, body: { upserted: (call.body as { products: unknown[] }).products.length } };
  }
  if (call.path === '/recommendation/products/delete') {
    return { status: 200, body: { deleted: (call.body as { product_ids: unknown[] }).product_ids.length } };
  }
  return { status: 200, body: { product_id: (call.body as Payload).product_id, status: 'stored' } };
};

async function outboxConfig(receiver: TestServer, overrides: Record<string, string> = {}): Promise<Config> {
  return testConfig({
    OUTBOX_ENABLED: 'true',
    RECOMMENDATION_SERVICE_URL: receiver.url,
    INTERNAL_API_TOKEN: TOKEN,
    ...overrides,
  });
}

async function status(app: App) {
  return (await app.inject({ method: 'GET', url: '/outbox/status' })).json();
}

async function gauge(app: App, name: string) {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  return parsePrometheusText(text).find((sample) => sample.name === name)?.value;
}

async function drained(app: App, timeoutMs = 15_000) {
  await eventually(async () => (await status(app)).pending_jobs === 0, timeoutMs, 'the outbox to drain');
}

/** Every product that exists was last sent in its current state; every deleted one was last sent as a delete. */
async function expectReceiverInStep(app: App, calls: ReceivedCall[], deleted: number[]) {
  const events = eventsByProduct(calls);
  const categories = new Map<number, string>();
  for (const category of (await app.inject({ method: 'GET', url: '/category/?limit=100' })).json()) {
    categories.set(category.id, category.title);
  }
  const products = (await app.inject({ method: 'GET', url: '/products/?limit=100' })).json();
  for (const product of products) {
    const last = events.get(product.id)?.at(-1);
    expect(last, `product ${product.id}`).toEqual({
      kind: 'upsert',
      payload: {
        product_id: product.id,
        product_title: product.title,
        category_id: product.category_id,
        category_title: categories.get(product.category_id),
        product_tags: product.tags,
        product_description: product.description,
      },
    });
  }
  for (const id of deleted)
    expect(events.get(id)?.at(-1), `deleted product ${id}`).toEqual({ kind: 'delete' });
}

/** A product's titles carry a version; the receiver must never see an older one after a newer one. */
function expectVersionsInOrder(calls: ReceivedCall[], productId: number) {
  const versions = (eventsByProduct(calls).get(productId) ?? []).flatMap((event) =>
    event.kind === 'upsert' ? [Number(/v(\d+)$/.exec(event.payload.product_title)?.[1])] : [],
  );
  expect(versions.length).toBeGreaterThan(0);
  expect(versions).toEqual([...versions].sort((a, b) => a - b));
}

describe('outbox delivery to recommendation-service', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function receiver(): Promise<TestServer> {
    const server = await TestServer.start(ok);
    cleanups.push(() => server.stop());
    return server;
  }

  async function app(config: Config): Promise<App> {
    const started = await startApp(config);
    cleanups.push(() => started.close());
    return started;
  }

  it('loses nothing while the receiver is down, across a restart, and delivers in order once it is up', async () => {
    const rec = await receiver();
    await rec.stop(); // down: the port is closed
    const config = await outboxConfig(rec);
    const first = await startApp(config);
    const post = (url: string, payload: object) => first.inject({ method: 'POST', url, payload });
    const put = (url: string, payload: object) => first.inject({ method: 'PUT', url, payload });
    const category = (await post('/category/', { title: 'Outdoor' })).json();
    const products = [];
    for (let i = 1; i <= 5; i++) {
      products.push(
        (await post('/products/', { title: `P${i} v1`, category_id: category.id, tags: [`t${i}`] })).json(),
      );
    }
    for (let version = 2; version <= 4; version++) {
      const response = await put('/products/', { ...products[0], title: `P1 v${version}` });
      expect(response.statusCode).toBe(200);
    }
    expect((await first.inject({ method: 'DELETE', url: `/products/${products[1].id}` })).statusCode).toBe(
      204,
    );

    await eventually(async () => (await status(first)).consecutive_failures >= 2, 5_000, 'failed deliveries');
    const down = await status(first);
    expect(down).toMatchObject({
      enabled: true,
      leader: true,
      pending_products: 5,
      delivered_since_start: 0,
    });
    expect(down.last_error).toMatch(/recommendation-service is unavailable \(connection refused\)/);
    expect(down.next_retry_at).not.toBeNull();
    await first.close();

    // Restarted, still down for a while, then the receiver comes up on the same port.
    const second = await app(config);
    const put2 = (payload: object) => second.inject({ method: 'PUT', url: '/products/', payload });
    expect((await put2({ ...products[0], title: 'P1 v5' })).statusCode).toBe(200);
    await second.inject({
      method: 'PUT',
      url: '/category/',
      payload: { id: category.id, title: 'Outdoor & Garden' },
    });
    expect((await status(second)).pending_jobs).toBeGreaterThan(0);
    await rec.listen();
    cleanups.push(() => rec.stop());
    await drained(second);
    // Changes made after the receiver came back arrive too.
    expect((await put2({ ...products[0], title: 'P1 v6' })).statusCode).toBe(200);
    await drained(second);

    expect(rec.calls.every((call) => call.authorization === `Bearer ${TOKEN}`)).toBe(true);
    await expectReceiverInStep(second, rec.calls, [products[1].id]);
    expectVersionsInOrder(rec.calls, products[0].id);
    // Coalesced: the states P1 went through while the receiver was down never reach it, only
    // the one current when delivery resumed (v5, sent before or after the rename: a send of
    // v5 read just before the rename can succeed the moment the receiver comes up) and later.
    const p1 = eventsByProduct(rec.calls).get(products[0].id)!;
    expect(p1[0]).toMatchObject({ payload: { product_title: 'P1 v5' } });
    const titles = p1.flatMap((event) => (event.kind === 'upsert' ? [event.payload.product_title] : []));
    expect(titles).not.toContain('P1 v4');
    expect(p1.at(-1)).toMatchObject({
      payload: { product_title: 'P1 v6', category_title: 'Outdoor & Garden' },
    });
    const after = await status(second);
    expect(after).toMatchObject({
      pending_jobs: 0,
      consecutive_failures: 0,
      oldest_pending_age_seconds: null,
    });
  });

  it('delivers what waited once a receiver that was down comes back, not after its backoff', async () => {
    const rec = await receiver();
    await rec.stop(); // down: the port is closed
    // A 10-minute backoff: delivered within the wait below, only the readiness probe explains it.
    const config = await outboxConfig(rec, {
      OUTBOX_POLL_INTERVAL_MS: '250',
      OUTBOX_MIN_BACKOFF_MS: '600000',
      OUTBOX_MAX_BACKOFF_MS: '600000',
    });
    const started = await app(config);
    const product = await createProduct(started, 'Written while down', 'Offline');
    await eventually(
      async () => (await status(started)).consecutive_failures === 1,
      5_000,
      'a refused delivery',
    );
    await sleep(1_000);
    // The probes meanwhile (GET /readyz, refused) are not failed deliveries.
    expect(await status(started)).toMatchObject({ consecutive_failures: 1, pending_products: 1 });

    await rec.listen();
    const back = Date.now();
    await drained(started, 30_000);
    console.info(`outbox: delivered ${Date.now() - back} ms after the receiver came back`);
    await expectReceiverInStep(started, rec.calls, []);
    expect(rec.calls.at(-1)?.body).toMatchObject({ products: [{ product_id: product.id }] });
    expect((await status(started)).consecutive_failures).toBe(0);
  }, 60_000);

  it('waits out the whole backoff of a receiver that answers but fails, without probing it', async () => {
    const rec = await receiver();
    const unavailable = { status: 503, body: { detail: 'Vector store is unavailable' } };
    // Ready by its /readyz, failing every delivery: a probe would end the backoff for nothing.
    rec.handler = (call) => (call.path === '/readyz' ? ok(call) : unavailable);
    const config = await outboxConfig(rec, {
      OUTBOX_POLL_INTERVAL_MS: '50',
      OUTBOX_MIN_BACKOFF_MS: '20000',
      OUTBOX_MAX_BACKOFF_MS: '30000',
    });
    const started = await app(config);
    await createProduct(started, 'Failing receiver', 'Busy');
    await eventually(async () => (await status(started)).consecutive_failures === 1, 5_000, 'a 503');
    rec.handler = ok;
    await sleep(1_500);
    expect(rec.calls.map((call) => call.path)).toEqual(['/recommendation/products/batch']);
    expect(await status(started)).toMatchObject({ consecutive_failures: 1, pending_products: 1 });
  });

  it.each([401, 403])(
    'treats a %i (the tokens differ) as a configuration error: one ERROR naming the fix, the long backoff, delivery once they match',
    async (refusal) => {
      const rec = await receiver();
      // recommendation-service with another INTERNAL_API_TOKEN: its public /readyz still answers.
      let receiverToken = 'another-token-0123456789';
      rec.handler = (call) =>
        call.path === '/readyz' || call.authorization === `Bearer ${receiverToken}`
          ? ok(call)
          : { status: refusal, body: { detail: 'Missing or invalid service token' } };
      const config = await outboxConfig(rec, {
        OUTBOX_POLL_INTERVAL_MS: '50',
        OUTBOX_MIN_BACKOFF_MS: '50',
        OUTBOX_MAX_BACKOFF_MS: '600',
      });
      const lines: { level: number; msg: string }[] = [];
      const stream = { write: (line: string) => lines.push(JSON.parse(line)) };
      const started = await buildApp(config, { logger: { level: 'info', stream } });
      cleanups.push(() => started.close());
      await started.ready();
      await createProduct(started, 'Refused', 'Tokens');

      const first = await eventually(
        async () => {
          const body = await status(started);
          return body.consecutive_failures >= 1 ? body : null;
        },
        5_000,
        'a refused delivery',
      );
      expect(first).toMatchObject({ failure: 'token_refused', pending_products: 1 });
      expect(first.last_error).toBe(
        `recommendation-service answered ${refusal}: Missing or invalid service token: a configuration error, ` +
          "not an outage: both services' INTERNAL_API_TOKEN must match (docs/internal-api.md); " +
          'retried every 0.6 s, delivery resumes once they do',
      );
      // The long backoff at once (an outage's first retry comes after OUTBOX_MIN_BACKOFF_MS).
      const waits = Date.parse(first.next_retry_at) - Date.parse(first.last_error_at);
      expect(waits).toBeGreaterThanOrEqual(590);

      await eventually(async () => (await status(started)).consecutive_failures >= 3, 5_000, 'retries');
      expect(await gauge(started, 'catalog_outbox_token_refused')).toBe(1);
      // The catalog's own API stays in service: the receiver's configuration is not its readiness.
      expect((await started.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      // One ERROR for the run, not one per retry, and no WARN "delivery failed" besides.
      const problems = lines.filter((line) => line.level >= 40);
      expect(problems.map((line) => line.level)).toEqual([50]);
      expect(problems[0]?.msg).toBe(`outbox: deliveries stopped: ${first.last_error}`);

      // The operator gives recommendation-service the catalog's token and restarts it.
      receiverToken = TOKEN;
      await drained(started, 5_000);
      expect(await status(started)).toMatchObject({ failure: null, consecutive_failures: 0 });
      expect(await gauge(started, 'catalog_outbox_token_refused')).toBe(0);
      expect(lines.map((line) => line.msg)).toContain(
        'outbox: recommendation-service accepts the token again',
      );
    },
  );

  it('never sends an older state after a newer one while writes and deliveries interleave', async () => {
    const rec = await receiver();
    // A slow receiver: writes keep landing while a delivery is in flight.
    rec.handler = async (call) => {
      await new Promise((resolve) => setTimeout(resolve, 15));
      return ok(call);
    };
    const started = await app(await outboxConfig(rec));
    const category = (
      await started.inject({ method: 'POST', url: '/category/', payload: { title: 'Busy' } })
    ).json();
    const products = [];
    for (let i = 0; i < 3; i++) {
      const payload = { title: `Busy ${i} v0`, category_id: category.id };
      products.push((await started.inject({ method: 'POST', url: '/products/', payload })).json());
    }
    for (let version = 1; version <= 15; version++) {
      await Promise.all(
        products.map((product, i) =>
          started.inject({
            method: 'PUT',
            url: '/products/',
            payload: { ...product, title: `Busy ${i} v${version}` },
          }),
        ),
      );
    }
    await drained(started);
    for (const product of products) expectVersionsInOrder(rec.calls, product.id);
    await expectReceiverInStep(started, rec.calls, []);
    expect(rec.calls.length).toBeGreaterThan(1);
  });

  it('while the receiver loads (503 with Retry-After), asks again when told, without counting failures', async () => {
    const rec = await receiver();
    let loading = true;
    // recommendation-service during its start-up load (README "Start-up").
    const notReady = {
      status: 503,
      body: { detail: 'Not ready: start-up load running: loading the embedder' },
      headers: { 'retry-after': '1' },
    };
    rec.handler = (call) => (loading ? notReady : ok(call));
    // A long backoff (16-20 s) that the receiver's Retry-After must replace, not follow.
    const config = await outboxConfig(rec, {
      OUTBOX_MIN_BACKOFF_MS: '20000',
      OUTBOX_MAX_BACKOFF_MS: '30000',
    });
    const started = await app(config);
    await createProduct(started, 'Sent while loading', 'Start-up');
    await eventually(async () => rec.calls.length >= 3, 10_000, 'a call per Retry-After');
    // Asked to wait: not a failure (the dashboard would show "Failing"), yet the status says why.
    expect(await status(started)).toMatchObject({
      consecutive_failures: 0,
      failure: null,
      pending_products: 1,
      last_error:
        'recommendation-service answered 503: Not ready: start-up load running: loading the embedder',
    });
    loading = false;
    await drained(started, 10_000);
    await expectReceiverInStep(started, rec.calls, []);
  });

  it('retries while the receiver answers 503, then delivers every product', async () => {
    const rec = await receiver();
    let failuresLeft = 3;
    rec.handler = (call) => (failuresLeft-- > 0 ? { status: 503, body: { detail: 'warming up' } } : ok(call));
    const config = await outboxConfig(rec);
    const started = await app(config);
    const category = (
      await started.inject({ method: 'POST', url: '/category/', payload: { title: 'Music' } })
    ).json();
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const response = await started.inject({
        method: 'POST',
        url: '/products/',
        payload: { title: `Album v${i}`, category_id: category.id, description: 'LP' },
      });
      ids.push(response.json().id);
    }
    await drained(started);
    expect(failuresLeft).toBeLessThan(0);
    await expectReceiverInStep(started, rec.calls, []);
  });

  it('delivers the import in batches and a single change as a batch of one', async () => {
    const rec = await receiver();
    const users = await startUserService(ORIGINAL_DATASET);
    cleanups.push(() => users.close());
    const config = await outboxConfig(rec, {
      DATASET_PATH: ORIGINAL_DATASET,
      IMPORT_ON_START: 'true',
      USER_SERVICE_URL: users.url,
      OUTBOX_BATCH_SIZE: '20',
    });
    const started = await app(config);
    await drained(started);
    const batches = rec.calls.filter((call) => call.path === '/recommendation/products/batch');
    expect(batches.map((call) => (call.body as { products: unknown[] }).products.length)).toEqual([
      20, 20, 14,
    ]);
    expect(eventsByProduct(rec.calls).size).toBe(54);

    const product = (await started.inject({ method: 'GET', url: '/products/1' })).json();
    await started.inject({ method: 'PUT', url: '/products/', payload: { ...product, tags: ['Renamed'] } });
    await drained(started);
    const last = rec.calls.at(-1)!;
    expect(last.path).toBe('/recommendation/products/batch');
    expect(last.body).toEqual({
      products: [expect.objectContaining({ product_id: 1, product_tags: ['Renamed'] })],
    });

    // A category rename re-sends all its products.
    const category = (
      await started.inject({ method: 'GET', url: `/category/${product.category_id}` })
    ).json();
    const inCategory = Number(
      (await started.inject({ method: 'GET', url: `/products/?category_id=${category.id}` })).headers[
        'x-total-count'
      ],
    );
    const before = rec.calls.length;
    await started.inject({
      method: 'PUT',
      url: '/category/',
      payload: { id: category.id, title: 'Renamed category' },
    });
    await drained(started);
    const resent = eventsByProduct(rec.calls.slice(before));
    expect(resent.size).toBe(inCategory);
    for (const events of resent.values()) {
      expect(events.at(-1)).toMatchObject({ payload: { category_title: 'Renamed category' } });
    }
  });

  it('keeps products queued while the receiver answers 404 (no such route), and delivers them once it has it', async () => {
    const rec = await receiver();
    let notFoundLeft = 2;
    rec.handler = (call) =>
      call.path === '/recommendation/products/batch' && notFoundLeft-- > 0
        ? { status: 404, body: { detail: 'Not Found' } }
        : ok(call);
    const config = await outboxConfig(rec, { OUTBOX_ENABLED: 'false' });
    const writer = await startApp(config);
    const category = (
      await writer.inject({ method: 'POST', url: '/category/', payload: { title: 'Old' } })
    ).json();
    for (let i = 0; i < 4; i++) {
      await writer.inject({
        method: 'POST',
        url: '/products/',
        payload: { title: `Old ${i}`, category_id: category.id },
      });
    }
    await writer.close();
    // Restarted with delivery on: the 4 queued products make one batch, retried after each 404.
    const started = await app({ ...config, OUTBOX_ENABLED: true });
    await drained(started);
    expect(rec.calls.map((call) => call.path)).toEqual(Array(3).fill('/recommendation/products/batch'));
    await expectReceiverInStep(started, rec.calls, []);
  });

  it('keeps a product the receiver rejects queued, delivers the others, and sends it once fixed', async () => {
    const rec = await receiver();
    const poisoned = (payload: Payload) => payload.product_title.includes('poison');
    rec.handler = (call) => {
      const products =
        call.path === '/recommendation/products/batch'
          ? (call.body as { products: Payload[] }).products
          : [call.body as Payload];
      if (products.some(poisoned)) return { status: 422, body: { detail: 'cannot embed this product' } };
      return ok(call);
    };
    const config = await outboxConfig(rec, { OUTBOX_ENABLED: 'false' });
    const writer = await startApp(config);
    const category = (
      await writer.inject({ method: 'POST', url: '/category/', payload: { title: 'Mixed' } })
    ).json();
    const created = [];
    for (const title of ['Good 1', 'Good 2', 'poison', 'Good 3', 'Good 4']) {
      created.push(
        (
          await writer.inject({
            method: 'POST',
            url: '/products/',
            payload: { title, category_id: category.id },
          })
        ).json(),
      );
    }
    await writer.close();
    const started = await app({ ...config, OUTBOX_ENABLED: true });
    await eventually(async () => (await status(started)).pending_jobs === 1, 10_000, 'the good products');
    const stuck = await status(started);
    expect(stuck.pending_products).toBe(1);
    expect(stuck.last_error).toMatch(/recommendation-service answered 422: cannot embed this product/);
    const delivered = eventsByProduct(
      rec.calls.filter(
        (call) => !poisoned((call.body as { products?: Payload[] }).products?.[0] ?? (call.body as Payload)),
      ),
    );
    expect(delivered.size).toBeGreaterThanOrEqual(4);

    const poison = created[2];
    await started.inject({ method: 'PUT', url: '/products/', payload: { ...poison, title: 'Cured' } });
    await drained(started);
    await expectReceiverInStep(started, rec.calls, []);
  });

  it('stops cleanly while a delivery hangs, and re-sends it after a restart', async () => {
    const rec = await receiver();
    rec.handler = () => new Promise(() => {}); // accepts, never answers
    const config = await outboxConfig(rec, { RECOMMENDATION_SERVICE_TIMEOUT_MS: '30000' });
    const first = await startApp(config);
    const category = (
      await first.inject({ method: 'POST', url: '/category/', payload: { title: 'Slow' } })
    ).json();
    await first.inject({
      method: 'POST',
      url: '/products/',
      payload: { title: 'Hanging v1', category_id: category.id },
    });
    await eventually(() => rec.calls.length > 0 || rec.inFlight > 0, 5_000, 'the call to start');
    const closing = Date.now();
    await first.close();
    expect(Date.now() - closing).toBeLessThan(5_000);

    rec.handler = ok;
    const second = await app(config);
    await drained(second);
    await expectReceiverInStep(second, rec.calls, []);
  });

  // Two processes can share a Postgres database; an embedded PGlite database belongs to one process.
  it.skipIf(!usingPostgres)(
    'runs one dispatcher per database; another takes over when it stops (Postgres only)',
    async () => {
      const rec = await receiver();
      const config = await outboxConfig(rec);
      const a = await startApp(config);
      const b = await app(config);
      await eventually(
        async () => (await status(a)).leader !== (await status(b)).leader,
        5_000,
        'one leader',
      );
      const [leader, follower] = (await status(a)).leader ? [a, b] : [b, a];
      const product = await createProduct(follower, 'Shared v1', 'Shared');
      await drained(leader);
      expect((await status(leader)).delivered_since_start).toBe(1);
      expect((await status(follower)).delivered_since_start).toBe(0);

      // A write woke the follower: it asks for the lease once and then waits its poll interval,
      // instead of asking again and again until the leader goes (it did: hundreds of times a second).
      const outbox = (follower as AppWith<Deps>).deps.outbox;
      const acquireLease = outbox.acquireLease.bind(outbox);
      let leaseQueries = 0;
      outbox.acquireLease = (...args) => {
        leaseQueries += 1;
        return acquireLease(...args);
      };
      await follower.inject({
        method: 'PUT',
        url: '/products/',
        payload: { ...product, title: 'Shared v1b' },
      });
      await sleep(1_000);
      outbox.acquireLease = acquireLease;
      expect(leaseQueries).toBeLessThanOrEqual(1_000 / Number(config.OUTBOX_POLL_INTERVAL_MS) + 5);
      await drained(leader);

      await leader.close();
      await follower.inject({
        method: 'PUT',
        url: '/products/',
        payload: { ...product, title: 'Shared v2' },
      });
      await drained(follower);
      expect((await status(follower)).leader).toBe(true);
      await expectReceiverInStep(follower, rec.calls, []);
      if (leader === b) await a.close();
    },
  );
});
