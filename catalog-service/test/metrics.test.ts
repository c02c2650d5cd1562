import { type App, parsePrometheusText } from '@ecom/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_DATASET, startApp, startUserService, testConfig } from './helper.js';

function gauges(text: string): Map<string, number> {
  return new Map(
    parsePrometheusText(text)
      .filter((sample) => sample.name.startsWith('catalog_'))
      .map((sample) => [sample.name, sample.value]),
  );
}

describe('catalog /metrics', () => {
  let app: App;
  let users: Awaited<ReturnType<typeof startUserService>>;

  beforeAll(async () => {
    users = await startUserService(PROJECT_DATASET);
    // The outbox is on, but recommendation-service is a closed port: every product stays pending.
    app = await startApp(
      await testConfig({
        IMPORT_ON_START: 'true',
        DATASET_PATH: PROJECT_DATASET,
        OUTBOX_ENABLED: 'true',
        USER_SERVICE_URL: users.url,
      }),
    );
  });
  afterAll(async () => {
    await app.close();
    await users.close();
  });

  it('shows table sizes, the finished import and the undelivered outbox backlog', async () => {
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    const values = gauges(response.body);
    const products = Number(
      (await app.inject({ method: 'GET', url: '/products/' })).headers['x-total-count'],
    );
    expect(products).toBeGreaterThan(0);
    expect(values.get('catalog_products')).toBe(products);
    expect(values.get('catalog_purchases')).toBeGreaterThan(0);
    expect(values.get('catalog_purchases_last_id')).toBeGreaterThanOrEqual(values.get('catalog_purchases')!);
    expect(values.get('catalog_dataset_import_running')).toBe(0);
    expect(values.get('catalog_dataset_import_rows_read')).toBe(
      values.get('catalog_dataset_import_rows_total'),
    );
    expect(values.get('catalog_dataset_import_purchases_imported')).toBe(values.get('catalog_purchases'));
    expect(values.get('catalog_outbox_pending_products')).toBe(products);
    expect(values.get('catalog_outbox_oldest_pending_age_seconds')).toBeGreaterThan(0);
    expect(values.get('catalog_outbox_delivered_since_start')).toBe(0);
  });
});
