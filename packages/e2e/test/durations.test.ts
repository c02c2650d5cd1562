import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SERVICES } from '@ecom/stack/services';
import { REPO_ROOT } from '@ecom/stack/start-stack';
import { describe, expect, it } from 'vitest';

// Node's timers hold at most 2^31-1 ms; a longer delay fires after 1 ms (with only a warning), so
// EMBEDDINGS_DOWNLOAD_TIMEOUT_MS=3000000000 aborted every model download at once. Every duration
// variable of every service is a service-kit `durationMs`, whose maximum is below that.
const OVER_TIMER_LIMIT = String(2 ** 31);

interface ConfigModule {
  configSchema: { shape: Record<string, unknown> };
  readConfig(env: Record<string, string | undefined>): unknown;
}

describe('duration variables', () => {
  it.each(SERVICES.map((spec) => spec.name))(
    '%s refuses every *_MS over the timer limit, naming it',
    async (name) => {
      const config = (await import(
        pathToFileURL(path.join(REPO_ROOT, name, 'src', 'config.ts')).href
      )) as ConfigModule;
      const durations = Object.keys(config.configSchema.shape).filter((key) => key.endsWith('_MS'));
      if (name !== 'user-service') expect(durations.length).toBeGreaterThan(0);
      expect(() => config.readConfig({})).not.toThrow();
      for (const key of durations) {
        expect(() => config.readConfig({ [key]: OVER_TIMER_LIMIT }), key).toThrow(
          new RegExp(`${key}: Too big`),
        );
      }
    },
  );
});
