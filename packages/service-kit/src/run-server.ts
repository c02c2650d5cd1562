import type { FastifyInstance } from 'fastify';

const SHUTDOWN_GRACE_MS = 10_000;

/**
 * The only place that listens. SIGTERM/SIGINT close the server: Fastify stops accepting,
 * answers 503 to new requests on kept-alive sockets, and waits for in-flight requests;
 * onClose hooks then close pools and databases. A stuck shutdown is forced after a grace period.
 */
export async function runServer(app: FastifyInstance, host: string, port: number): Promise<void> {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      app.log.error('graceful shutdown timed out, exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  await app.listen({ host, port });
}

/**
 * A service's whole `server.ts`: read the config, build the app, listen. Start-up failures
 * exit non-zero with a readable message.
 */
export async function serve<Config extends { HOST: string; PORT: number }>(
  readConfig: () => Config,
  buildApp: (config: Config) => Promise<FastifyInstance>,
): Promise<void> {
  try {
    const config = readConfig();
    const app = await buildApp(config);
    await runServer(app, config.HOST, config.PORT);
  } catch (error) {
    exitOnStartupFailure(error);
  }
}

/** Start-up failures must exit non-zero with a readable message. */
export function exitOnStartupFailure(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`start-up failed: ${message}\n`);
  process.exit(1);
}
