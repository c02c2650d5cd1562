import { ConfigError } from '@ecom/service-kit';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';

describe('catalog-service configuration', () => {
  it('refuses a first outbox backoff above the largest, naming both variables', () => {
    const env = { OUTBOX_MIN_BACKOFF_MS: '60000', OUTBOX_MAX_BACKOFF_MS: '1000' };
    expect(() => readConfig(env)).toThrow(ConfigError);
    expect(() => readConfig(env)).toThrow(/OUTBOX_MIN_BACKOFF_MS: must not be above OUTBOX_MAX_BACKOFF_MS/);
    const equal = readConfig({ OUTBOX_MIN_BACKOFF_MS: '1000', OUTBOX_MAX_BACKOFF_MS: '1000' });
    expect(equal.OUTBOX_MIN_BACKOFF_MS).toBe(equal.OUTBOX_MAX_BACKOFF_MS);
  });

  it("defaults its peers' URLs to the address HOST is reached at, as the launcher does", () => {
    // A service started on its own with HOST=127.0.0.2 looks for the others there (reachableHost).
    expect(readConfig({ HOST: '127.0.0.2' })).toMatchObject({
      USER_SERVICE_URL: 'http://127.0.0.2:8101',
      RECOMMENDATION_SERVICE_URL: 'http://127.0.0.2:8121',
    });
    expect(readConfig({ HOST: '0.0.0.0' }).USER_SERVICE_URL).toBe('http://127.0.0.1:8101');
    expect(readConfig({ HOST: '::1' }).USER_SERVICE_URL).toBe('http://[::1]:8101');
    // Set, it wins.
    expect(readConfig({ HOST: '127.0.0.2', USER_SERVICE_URL: 'http://users:8000' }).USER_SERVICE_URL).toBe(
      'http://users:8000',
    );
  });
});
