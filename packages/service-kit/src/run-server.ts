import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
// Brings in the startDraining decorator's type.
import type {} from './draining.js';

const SHUTDOWN_GRACE_MS = 10_000;
// How long new requests are refused (503) before the listener closes. Clients learn to go
// elsewhere from those answers; closing at once would reset the connections a busy event
// loop has not read yet (measured: a few requests cut per shutdown under CPU contention).
const DRAIN_MS = 1_000;

/**
 * A service's whole `server.ts`, the only place that listens. Start-up failures exit non-zero
 * with a readable message. SIGTERM/SIGINT: for DRAIN_MS new requests get 503, then Fastify
 * closes (waits for running requests, then onClose hooks). A stuck shutdown is forced to exit.
 */
export async function serve<Config extends { HOST: string; PORT: number }>(
  readConfig: () => Config,
  buildApp: (config: Config) => Promise<FastifyInstance>,
): Promise<void> {
  try {
    const config = readConfig();
    const app = await buildApp(config);
    let closing = false;
    const shutdown = (signal: string) => {
      if (closing) return;
      closing = true;
      app.log.info({ signal }, 'shutting down');
      setTimeout(() => {
        app.log.error('graceful shutdown timed out, exiting');
        process.exit(1);
      }, SHUTDOWN_GRACE_MS).unref();
      app.startDraining();
      sleep(DRAIN_MS)
        .then(() => app.close())
        .then(
          () => process.exit(0),
          (err: unknown) => {
            app.log.error({ err }, 'error while shutting down');
            process.exit(1);
          },
        );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
    await app.listen({ host: config.HOST, port: config.PORT });
  } catch (error) {
    process.stderr.write(`start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
