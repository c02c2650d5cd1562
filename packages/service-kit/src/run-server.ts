import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
// Brings in the startDraining and startedUp decorators' types.
import type {} from './draining.js';
import type {} from './start-up.js';

const SHUTDOWN_GRACE_MS = 10_000;
// How long new requests are refused (503) before the listener closes. Clients learn to go
// elsewhere from those answers; closing at once would reset the connections a busy event
// loop has not read yet (measured: a few requests cut per shutdown under CPU contention).
const DRAIN_MS = 1_000;

/**
 * A service's whole `server.ts`, the only place that listens. It listens before its start-up
 * work (start-up.ts: the dataset import) has finished; a start-up failure, then or later, closes
 * the app and exits non-zero with a readable message. SIGTERM/SIGINT: start-up work stops at its
 * next safe point, for DRAIN_MS new requests get 503, then Fastify closes (waits for running
 * requests and the start-up work, then onClose hooks). A stuck shutdown is forced to exit.
 */
export async function serve<Config extends { HOST: string; PORT: number }>(
  readConfig: () => Config,
  buildApp: (config: Config) => Promise<FastifyInstance>,
): Promise<void> {
  let built: FastifyInstance | undefined;
  try {
    const config = readConfig();
    const app = await buildApp(config);
    built = app;
    let closing = false;
    const shutdown = (signal: string, exitCode: number) => {
      if (closing) return;
      closing = true;
      if (exitCode === 0) app.log.info({ signal }, 'shutting down');
      setTimeout(() => {
        app.log.error('graceful shutdown timed out, exiting');
        process.exit(1);
      }, SHUTDOWN_GRACE_MS).unref();
      app.startDraining();
      sleep(DRAIN_MS)
        .then(() => app.close())
        .then(
          () => process.exit(exitCode),
          (err: unknown) => {
            app.log.error({ err }, 'error while shutting down');
            process.exit(1);
          },
        );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM', 0));
    process.once('SIGINT', () => shutdown('SIGINT', 0));
    await app.listen({ host: config.HOST, port: config.PORT });
    // Not ready and never will be: a process that looked alive forever would hide it from
    // whoever restarts it (compose, the launcher, an orchestrator).
    app.startedUp().catch((error: unknown) => {
      app.log.error({ err: error }, `start-up failed: ${messageOf(error)}`);
      shutdown('start-up failure', 1);
    });
  } catch (error) {
    process.stderr.write(`start-up failed: ${messageOf(error)}\n`);
    // listen() failed (the port is taken) after ready() started the start-up work: it stops
    // between two writes before the database closes.
    await built?.close().catch(() => {});
    process.exit(1);
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
