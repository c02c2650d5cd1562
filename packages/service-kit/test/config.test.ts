import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  baseConfigShape,
  ConfigError,
  durationMs,
  flag,
  loadConfig,
  MAX_TIMER_MS,
  serviceUrl,
} from '../src/index.js';

const schema = z.object({ ...baseConfigShape, PORT: z.coerce.number().int().default(8101) });

describe('loadConfig', () => {
  it('parses, applies defaults and freezes', () => {
    const config = loadConfig(schema, { PORT: '9000' });
    expect(config.PORT).toBe(9000);
    expect(config.LOG_LEVEL).toBe('info');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('treats empty strings as unset, as .env files and compose write them', () => {
    expect(loadConfig(schema, { PORT: '', INTERNAL_API_TOKEN: '' }).PORT).toBe(8101);
  });

  it('points an unset peer URL at the peer port where HOST is reached; a set one stays', () => {
    const peers = z.object({ USER_URL: serviceUrl, CATALOG_URL: serviceUrl });
    const ports = { USER_URL: 8101, CATALOG_URL: 8102 };
    expect(loadConfig(peers, { HOST: '127.0.0.2', CATALOG_URL: 'http://10.0.0.5:9000' }, ports)).toEqual({
      USER_URL: 'http://127.0.0.2:8101',
      CATALOG_URL: 'http://10.0.0.5:9000',
    });
    expect(loadConfig(peers, { USER_URL: '' }, ports).USER_URL).toBe('http://127.0.0.1:8101');
    expect(loadConfig(peers, { HOST: '::' }, ports).USER_URL).toBe('http://[::1]:8101');
  });

  it('fails fast naming every bad variable', () => {
    expect(() => loadConfig(schema, { PORT: 'eighty', LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    expect(() => loadConfig(schema, { PORT: 'eighty', LOG_LEVEL: 'loud' })).toThrow(
      /PORT[\s\S]*LOG_LEVEL|LOG_LEVEL[\s\S]*PORT/,
    );
  });

  it('reads on/off variables as people write them, with the default when unset', () => {
    const flags = z.object({ SEED: flag(true), OUTBOX: flag(false) });
    expect(loadConfig(flags, {})).toEqual({ SEED: true, OUTBOX: false });
    expect(loadConfig(flags, { SEED: 'false', OUTBOX: '1' })).toEqual({ SEED: false, OUTBOX: true });
    expect(loadConfig(flags, { SEED: 'no', OUTBOX: 'TRUE' })).toEqual({ SEED: false, OUTBOX: true });
    expect(() => loadConfig(flags, { SEED: 'maybe' })).toThrow(/SEED/);
  });

  it('refuses a service address that is no http(s) origin, naming the variable', () => {
    const urls = z.object({ USER_SERVICE_URL: serviceUrl.default('http://127.0.0.1:8101') });
    // Not URLs at all (no scheme: as a Docker user may write one), then URLs of the wrong shape.
    for (const value of [
      '127.0.0.1:8101',
      '8101',
      'http//127.0.0.1:8101',
      'localhost:8101',
      'ftp://127.0.0.1:8101',
      'http://127.0.0.1:8101/api',
    ]) {
      expect(() => loadConfig(urls, { USER_SERVICE_URL: value }), value).toThrow(ConfigError);
      expect(() => loadConfig(urls, { USER_SERVICE_URL: value }), value).toThrow(
        /USER_SERVICE_URL: must be an http:\/\/ or https:\/\/ address/,
      );
    }
    expect(loadConfig(urls, { USER_SERVICE_URL: 'https://users.internal:8443' }).USER_SERVICE_URL).toBe(
      'https://users.internal:8443',
    );
  });

  it('bounds a duration, naming the variable, and never above what a timer holds', () => {
    const durations = z.object({ POLL_MS: durationMs(1, 60_000).default(1_000) });
    expect(loadConfig(durations, {}).POLL_MS).toBe(1_000);
    expect(loadConfig(durations, { POLL_MS: '60000' }).POLL_MS).toBe(60_000);
    for (const value of ['60001', String(2 ** 31), '0', '1.5']) {
      expect(() => loadConfig(durations, { POLL_MS: value }), value).toThrow(/POLL_MS/);
    }
    // A longer setTimeout fires after 1 ms: the helper refuses to be declared with such a maximum.
    expect(() => durationMs(1, MAX_TIMER_MS)).not.toThrow();
    expect(() => durationMs(1, MAX_TIMER_MS + 1)).toThrow(RangeError);
  });
});
