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
});
