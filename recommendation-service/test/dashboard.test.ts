import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parsePrometheusText } from '@ecom/service-kit';
import { eventually } from '@ecom/testing';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from './helper.js';

/** Debian's chromium (`apt-get install chromium`); Playwright's own browser download does not work offline. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const chromiumMissing = existsSync(CHROMIUM)
  ? null
  : `no browser at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
if (chromiumMissing) console.log(`dashboard browser test skipped: ${chromiumMissing}`);

/** Screenshots of each page, written by every run; the current ones are copied to docs/dashboard/. */
export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '../test-results/dashboard');

interface Item {
  product_id: number;
  product: string;
  score: number;
  reason?: { kind: string; text: string };
}

async function json<T>(url: string): Promise<{ status: number; body: T; type: string | null }> {
  const response = await fetch(url);
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: (text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T,
  };
}

describe('staff dashboard and /metrics over real services', () => {
  let stack: Stack;
  let reco: string;

  beforeAll(async () => {
    // recommendation-service's USER_SERVICE_URL: user-service starts first in startStack.
    stack = await startStack({ DASHBOARD_SAMPLE_INTERVAL_MS: '300' });
    reco = stack.recommendations.url;
    const products = Number(
      (await fetch(`${stack.catalog.url}/products/?limit=1`)).headers.get('x-total-count'),
    );
    await eventually(
      async () => {
        const { body } = await json<{
          products: number | null;
          vectors: number;
          outbox: { pending_products: number } | null;
          purchase_feed: { purchases_behind: number | null };
        }>(`${reco}/dashboard/api/overview`);
        return (
          body.vectors === products &&
          body.products === products &&
          body.outbox?.pending_products === 0 &&
          body.purchase_feed.purchases_behind === 0
        );
      },
      60_000,
      'every product vectorised, the outbox empty and every purchase in the statistics',
    );
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('gathers the overview from every service: counts, embedder, backlog, feed lag, dependencies', async () => {
    for (const id of [1, 2, 3, 1, 2, 3]) {
      expect((await fetch(`${reco}/recommendation/${id}`)).status).toBe(200);
    }
    const found = await eventually(async () => {
      const { body } = await json<{
        customers: number;
        purchases: number;
        outbox: { pending_products: number; delivery: string; consecutive_failures: number };
        answer_cache: { hits: number; misses: number; hit_ratio: number };
        dependencies: Record<string, string>;
        latency: { points: { requests_per_second: number; p50_ms: number | null; p99_ms: number | null }[] };
      }>(`${reco}/dashboard/api/overview`);
      return body.latency.points.some((point) => point.requests_per_second > 0) ? body : null;
    }, 10_000);
    const overview = found!;
    const customers = Number(
      (await fetch(`${stack.users.url}/customer/?limit=1`)).headers.get('x-total-count'),
    );
    expect(overview.customers).toBe(customers);
    expect(overview.purchases).toBeGreaterThan(0);
    expect(overview.outbox).toMatchObject({ pending_products: 0, delivery: 'ok', consecutive_failures: 0 });
    // The same three customers twice: the second round is answered from the cache.
    expect(overview.answer_cache.hits).toBeGreaterThanOrEqual(3);
    expect(overview.answer_cache.hit_ratio).toBeGreaterThan(0);
    expect(overview.dependencies).toMatchObject({
      database: 'ok',
      vector_store: 'ok',
      catalog_service: 'ok',
      user_service: 'ok',
    });
    const busy = overview.latency.points.find((point) => point.requests_per_second > 0)!;
    expect(busy.p50_ms).toBeGreaterThan(0);
    expect(busy.p99_ms!).toBeGreaterThanOrEqual(busy.p50_ms!);

    const metrics = await json<string>(`${reco}/metrics`);
    expect(metrics.type).toMatch(/^text\/plain/);
    const samples = parsePrometheusText(metrics.body);
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        ?.value;
    expect(value('recommendation_vectors')).toBeGreaterThan(0);
    expect(value('recommendation_embedder_info', { embedder: 'hashing-v1-d1024' })).toBe(1);
    expect(value('recommendation_answer_cache_requests_total', { result: 'hit' })).toBeGreaterThanOrEqual(3);
    expect(value('recommendation_history_cache_requests_total', { result: 'hit' })).toBeGreaterThanOrEqual(3);
    expect(value('dependency_up', { dependency: 'catalog_service' })).toBe(1);
    // The copies first recommendations rank from: every customer, current.
    expect(value('recommendation_customer_directory_customers')).toBe(customers);
    expect(value('recommendation_customer_directory_lag_seconds')).toBeLessThan(60);
    expect(value('recommendation_purchase_copy_customers')).toBeGreaterThan(0);
    expect(value('recommendation_purchase_copy_stale_customers')).toBeGreaterThanOrEqual(0);
    expect(value('recommendation_purchase_copy_lag_seconds')).toBeLessThan(60);
    expect(
      value('http_request_duration_seconds_count', {
        route: '/recommendation/:customer_id',
        status_code: '200',
      }),
    ).toBeGreaterThanOrEqual(6);
  });

  it('finds customers by id and by name, and shows a profile with its purchases', async () => {
    const byName = await json<{ id: number; title: string }[]>(`${reco}/dashboard/api/customers?q=olivia`);
    expect(byName.status).toBe(200);
    expect(byName.body.length).toBeGreaterThan(0);
    expect(byName.body.every((c) => c.title.toLowerCase().includes('olivia'))).toBe(true);
    const byId = await json<{ id: number }[]>(`${reco}/dashboard/api/customers?q=2`);
    expect(byId.body[0]?.id).toBe(2);

    const detail = await json<{ id: number; purchases: unknown[]; purchase_count: number }>(
      `${reco}/dashboard/api/customers/1`,
    );
    expect(detail.body.id).toBe(1);
    expect(detail.body.purchase_count).toBe(detail.body.purchases.length);
    expect((await json(`${reco}/dashboard/api/customers/999999`)).status).toBe(404);
    expect((await json(`${reco}/dashboard/api/customers?q=`)).status).toBe(422);
    // Digits that are no valid id are searched as a name only.
    for (const q of ['0', '00', '99999999999']) {
      expect((await json(`${reco}/dashboard/api/customers?q=${q}`)).status).toBe(200);
    }
  });

  it('lists bought-together partners of a product, strongest first, from the purchase statistics', async () => {
    const detail = await json<{ purchases: { product_id: number }[] }>(`${reco}/dashboard/api/customers/1`);
    const bought = detail.body.purchases.map((p) => p.product_id);
    const partners = await json<Item[]>(
      `${reco}/recommendation/products/${bought[0]}/bought-together?limit=5`,
    );
    expect(partners.status).toBe(200);
    expect(partners.body.length).toBeGreaterThan(0);
    expect(partners.body.length).toBeLessThanOrEqual(5);
    // Customer 1 bought these together, so each of their other purchases is a partner of the first.
    const ids = (
      await json<Item[]>(`${reco}/recommendation/products/${bought[0]}/bought-together?limit=100`)
    ).body.map((p) => p.product_id);
    for (const other of bought.slice(1)) if (other !== bought[0]) expect(ids).toContain(other);
    const scores = partners.body.map((p) => p.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect((await json(`${reco}/recommendation/products/2000000/bought-together`)).status).toBe(404);
    // Whole decimal numbers only, as every other limit: no hex, exponent, fraction or padding.
    for (const limit of ['0x5', '1e1', '2.0', '%205', '0', '101'])
      expect(
        (await json(`${reco}/recommendation/products/${bought[0]}/bought-together?limit=${limit}`)).status,
      ).toBe(422);

    const product = await json<{ id: number; has_vector: boolean; tags: string[] }>(
      `${reco}/dashboard/api/products/${bought[0]}`,
    );
    expect(product.body).toMatchObject({ id: bought[0], has_vector: true });
    expect((await json(`${reco}/dashboard/api/products/2000000`)).status).toBe(404);
  });

  it('documents the dashboard and /metrics in the OpenAPI document with their real content types', async () => {
    const document = (
      await json<{ paths: Record<string, { get: { responses: Record<string, { content?: object }> } }> }>(
        `${reco}/docs/json`,
      )
    ).body;
    expect(Object.keys(document.paths['/metrics']!.get.responses['200']!.content!)).toEqual(['text/plain']);
    expect(Object.keys(document.paths['/dashboard']!.get.responses['200']!.content!)).toEqual(['text/html']);
    expect(document.paths['/dashboard/api/overview']).toBeDefined();
    expect(document.paths['/recommendation/products/{product_id}/bought-together']).toBeDefined();
    const page = await json<string>(`${reco}/dashboard`);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.body).toContain('/dashboard/assets/app.js');
    expect((await json(`${reco}/dashboard/assets/app.js`)).type).toMatch(/^text\/javascript/);
    expect((await json(`${reco}/dashboard/assets/secret.js`)).status).toBe(422);
  });

  describe.skipIf(chromiumMissing !== null)(
    `in a real browser (Debian chromium)${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`,
    () => {
      let browser: Browser;

      beforeAll(async () => {
        browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
        await mkdir(SCREENSHOT_DIR, { recursive: true });
      }, 60_000);
      afterAll(async () => {
        await browser?.close();
      });
      /** Some traffic, so the latency chart has something to show (a test may run alone). */
      const someTraffic = async () => {
        for (let round = 0; round < 3; round++) {
          for (const id of [1, 2, 3, 4, 5]) await fetch(`${reco}/recommendation/${id}`);
          await new Promise((resolve) => setTimeout(resolve, 350));
        }
      };

      it('loads the overview, opens a customer by name and renders both strategies, with no console error', async () => {
        const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
        const problems: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') problems.push(`console: ${message.text()}`);
        });
        page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));

        await someTraffic();
        await page.goto(`${reco}/dashboard`);
        await expect.poll(() => page.getByText('Product vectors').count(), { timeout: 15_000 }).toBe(1);
        const customersCard = page.locator('.card', { hasText: 'Customers' }).locator('.value');
        await expect.poll(() => customersCard.textContent(), { timeout: 15_000 }).toMatch(/^\d+$/);
        await expect.poll(() => page.locator('.chart polyline.p50').getAttribute('points')).not.toBe('');
        await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'overview.png'), fullPage: true });

        // Keyboard only: the Customers link, then the search form.
        await page.getByRole('link', { name: 'Customers' }).focus();
        await page.keyboard.press('Enter');
        const search = page.getByLabel('Customer id or name');
        await search.fill('olivia');
        await search.press('Enter');
        const match = page.getByRole('link', { name: /Olivia/ }).first();
        await match.waitFor({ timeout: 15_000 });
        await match.click();

        await page.getByRole('heading', { name: /Olivia/ }).waitFor({ timeout: 15_000 });
        const hybrid = page.locator('[data-strategy="hybrid"] tbody tr');
        const original = page.locator('[data-strategy="original"] tbody tr');
        await expect.poll(() => hybrid.count(), { timeout: 15_000 }).toBe(10);
        await expect.poll(() => original.count(), { timeout: 15_000 }).toBe(10);
        const api = (await json<Item[]>(`${reco}/recommendation/1?strategy=hybrid`)).body;
        expect(await hybrid.first().locator('td').nth(1).textContent()).toBe(api[0]!.product);
        expect(await page.locator('[data-strategy="hybrid"] td.score').first().textContent()).toContain(
          api[0]!.score.toFixed(3),
        );
        // The ranking's reason, when it gives one, is shown next to the item.
        if (api[0]!.reason) {
          expect(await page.locator('[data-strategy="hybrid"] td.reason').first().textContent()).toBe(
            api[0]!.reason.text,
          );
        }
        expect(
          await page
            .getByRole('table', { name: /purchases/ })
            .locator('tbody tr')
            .count(),
        ).toBeGreaterThan(0);
        await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'customer.png'), fullPage: true });

        // The strategy switch shows one list at a time.
        await page.getByLabel('Original').check();
        await expect.poll(() => hybrid.count()).toBe(0);
        await expect.poll(() => original.count()).toBe(10);

        // From a recommendation to the product inspector.
        await original.first().getByRole('link').click();
        await page.getByRole('table', { name: /Similar products/ }).waitFor({ timeout: 15_000 });
        await page.getByRole('table', { name: /Bought together/ }).waitFor({ timeout: 15_000 });
        expect(
          await page
            .getByRole('table', { name: /Similar products/ })
            .locator('tbody tr')
            .count(),
        ).toBe(10);
        await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'product.png'), fullPage: true });

        expect(problems).toEqual([]);
        console.log(`dashboard screenshots: ${SCREENSHOT_DIR}`);
        await page.close();
      }, 120_000);

      it('"Skip to content" moves focus to the page a keyboard user is on, without leaving it', async () => {
        const page = await browser.newPage();
        await page.goto(`${reco}/dashboard#/customers/3`);
        await page.getByRole('heading', { name: /#3/ }).waitFor({ timeout: 15_000 });
        await page.keyboard.press('Tab');
        expect(await page.locator(':focus').textContent()).toBe('Skip to content');
        await page.keyboard.press('Enter');
        await expect.poll(() => page.locator(':focus').getAttribute('id')).toBe('main');
        expect(new URL(page.url()).hash).toBe('#/customers/3');
        expect(await page.getByRole('heading', { name: /#3/ }).isVisible()).toBe(true);
        await page.close();
      }, 60_000);

      it('fits a 360 px window: no page scrolls sideways, the two strategies stack', async () => {
        await someTraffic();
        const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
        // Attached, not visible: a line of one point has no size, so it never counts as visible.
        const pages = [
          ['overview', '#/overview', '.chart polyline.p50:not([points=""])'],
          ['customer', '#/customers/1', '[data-strategy="original"] tbody tr'],
          ['product', '#/products/1', 'table >> nth=1'],
        ] as const;
        for (const [name, hash, ready] of pages) {
          await page.goto(`${reco}/dashboard${hash}`);
          await page.locator(ready).first().waitFor({ state: 'attached', timeout: 15_000 });
          // A string: this file is type-checked without the DOM library.
          const [pageWidth, windowWidth] = await page.evaluate<number[]>(
            '[document.documentElement.scrollWidth, window.innerWidth]',
          );
          expect(pageWidth, `${hash} is wider than the window`).toBe(windowWidth);
          await page.screenshot({ path: path.join(SCREENSHOT_DIR, `narrow-${name}.png`), fullPage: true });
        }
        // A customer's two strategies: one under the other here, side by side in a wide window.
        const lists = async () => {
          await page.goto(`${reco}/dashboard#/customers/1`);
          const original = page.locator('[data-strategy="original"]');
          await original.locator('tbody tr').first().waitFor({ timeout: 15_000 });
          const hybrid = (await page.locator('[data-strategy="hybrid"]').boundingBox())!;
          return { hybrid, original: (await original.boundingBox())! };
        };
        const narrow = await lists();
        expect(narrow.original.y).toBeGreaterThanOrEqual(narrow.hybrid.y + narrow.hybrid.height);
        await page.setViewportSize({ width: 1366, height: 900 });
        const wide = await lists();
        expect(wide.original.y).toBe(wide.hybrid.y);
        expect(wide.original.x).toBeGreaterThan(wide.hybrid.x + wide.hybrid.width);
        await page.close();
      }, 60_000);

      it('shows an outbox whose deliveries recommendation-service refuses as failing, with the fix', async () => {
        const page = await browser.newPage();
        // The test stack's tokens match: the browser gets a refusing outbox instead
        // (packages/reliability/test/internal-auth.test.ts has the overview of a real one).
        await page.route('**/dashboard/api/overview', async (route) => {
          const response = await route.fetch();
          const overview = await response.json();
          overview.outbox = {
            ...overview.outbox,
            pending_products: 151,
            delivery: 'token_refused',
            consecutive_failures: 3,
          };
          await route.fulfill({ response, json: overview });
        });
        await page.goto(`${reco}/dashboard`);
        const backlog = page.locator('.card', { hasText: 'Sync backlog' });
        await expect
          .poll(() => backlog.locator('.value').textContent(), { timeout: 15_000 })
          .toBe('151 products');
        expect(await backlog.locator('.note').textContent()).toBe(
          "Failing: recommendation-service refuses catalog-service's token. Set the same INTERNAL_API_TOKEN on both services (docs/internal-api.md).",
        );
        expect(await backlog.getAttribute('class')).toBe('card failing');
        await page.close();
      }, 60_000);

      it('shows markup stored in titles and names as text: an <img onerror> runs nowhere', async () => {
        const markup = '<img src=x onerror=alert(1)>';
        const post = async (url: string, body: object) => {
          const headers = { 'content-type': 'application/json' };
          const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
          return (await response.json()) as { id: number };
        };
        const category = await post(`${stack.catalog.url}/category/`, { title: `Category ${markup}` });
        const product = await post(`${stack.catalog.url}/products/`, {
          title: `Product ${markup}`,
          category_id: category.id,
          tags: [markup],
        });
        const customer = await post(`${stack.users.url}/customer/`, {
          ...{ title: `Customer ${markup}`, gender: 'x', age: 30, location: markup, preference: markup },
        });
        const purchase = { customer_id: customer.id, product_id: product.id, category_id: category.id };
        await post(`${stack.catalog.url}/Purchases/`, purchase);

        const page = await browser.newPage();
        const dialogs: string[] = [];
        page.on('dialog', async (dialog) => {
          dialogs.push(dialog.message());
          await dialog.dismiss();
        });
        const pages = [
          [`#/customers?q=${encodeURIComponent(markup)}`, 'link', `Customer ${markup}`],
          [`#/customers/${customer.id}`, 'link', `Product ${markup}`],
          [`#/products/${product.id}`, 'heading', `Product ${markup}`],
        ] as const;
        for (const [hash, role, name] of pages) {
          await page.goto(`${reco}/dashboard${hash}`);
          await page.getByRole(role, { name }).first().waitFor({ timeout: 15_000 });
          expect([hash, await page.locator('main img').count()]).toEqual([hash, 0]);
        }
        expect(dialogs).toEqual([]);
        await page.close();
      }, 60_000);

      it('says why a product has no similar products, apart from why it has no bought-together partners', async () => {
        const page = await browser.newPage();
        // Every product of the test stack has neighbours: the browser gets an empty list instead.
        await page.route('**/similar?*', (route) => route.fulfill({ json: [] }));
        await page.route('**/bought-together?*', (route) => route.fulfill({ json: [] }));
        await page.goto(`${reco}/dashboard#/products/1`);
        await page.getByRole('table', { name: /Bought together/ }).waitFor({ timeout: 15_000 });
        const notes = await page.locator('.recommendations .note').allTextContents();
        expect(notes).toEqual([
          'No other product has a vector yet.',
          'Nobody bought this product with another one yet.',
        ]);
        await page.close();
      }, 60_000);
    },
  );
});
