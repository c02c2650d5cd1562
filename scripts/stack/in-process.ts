import { setTimeout as sleep } from 'node:timers/promises';
import { styleText } from 'node:util';
import { formatLogLine, isLauncherRequest } from './format-log.js';
import type { ExitInfo } from './service-process.js';
import { SERVICES, type ServiceKey } from './services.js';
import { reportWaiting, waitForHttp } from './wait-for-http.js';

/** Requests get 503 this long after a stop before the listeners close (as service-kit's serve). */
const DRAIN_MS = 1_000;
const COLORS = ['cyan', 'magenta', 'yellow'] as const;

type LogStream = { write(chunk: string): void };

/**
 * Each service's app, typed, from its app module (`buildApp`, `readConfig`). A module is
 * imported when its service starts, not with this file: the child-process mode and the tests
 * that import the launcher never load the services' code (the three apps took 1.1-1.4 s and
 * +90 MiB RSS to import under tsx, against 0.01-0.16 s and 80 MiB for the launcher alone;
 * measured 2026-11-26 at load 9.7).
 */
const SERVICE_APPS = {
  user: async (...args: BuildArgs) => build(await import('@ecom/user-service/app'), ...args),
  catalog: async (...args: BuildArgs) => build(await import('@ecom/catalog-service/app'), ...args),
  recommendation: async (...args: BuildArgs) =>
    build(await import('@ecom/recommendation-service/app'), ...args),
};

type BuildArgs = [name: string, env: NodeJS.ProcessEnv, stream: LogStream];
type ServiceApp = Awaited<ReturnType<(typeof SERVICE_APPS)[ServiceKey]>>['app'];

/** Generic so that `buildApp` is given the config its own `readConfig` made. */
async function build<Config extends { LOG_LEVEL: string; HOST: string }, App>(
  service: {
    readConfig(env: NodeJS.ProcessEnv): Config;
    buildApp(config: Config, options: { logger: { level: string; stream: LogStream } }): Promise<App>;
  },
  ...[name, env, stream]: BuildArgs
): Promise<{ app: App; host: string }> {
  try {
    const config = service.readConfig(env);
    return {
      app: await service.buildApp(config, { logger: { level: config.LOG_LEVEL, stream } }),
      host: config.HOST,
    };
  } catch (error) {
    throw ofService(name, error);
  }
}

/** Three services share this process: a start-up error says whose it is. */
function ofService(name: string, error: unknown): Error {
  return new Error(`${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

export interface InProcessOptions {
  ports: Map<ServiceKey, number>;
  /** Where each service is reached once listening (on HOST). */
  urls: Record<ServiceKey, string>;
  /** The environment every service gets (URLs, DATA_DIR, HOST ...); PORT is added per service. */
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  color?: boolean;
  launcherRequestId: string;
  timeoutMs: number;
  /** How often a service not yet ready is reported (default: waitForHttp's). */
  reportEveryMs?: number;
  signal?: AbortSignal;
}

export interface InProcessStack {
  stop(): Promise<void>;
  /** Never settles: a crash of one service is a crash of this process. */
  exited: Promise<ExitInfo>;
}

/**
 * The three Fastify apps in this Node process, each on its own port with its own config,
 * database and logger prefix, started in the launcher's order (user- and
 * recommendation-service, then catalog-service once user-service is ready). One process
 * instead of three saves two Node runtimes, two tsx loaders and their esbuild helpers, and
 * lets the three PGlite instances share one compiled WebAssembly module (docs/benchmarks.md,
 * "Serving cost"). Services still talk over HTTP, exactly as in separate processes.
 */
export async function startInProcess(options: InProcessOptions): Promise<InProcessStack> {
  const apps = new Map<ServiceKey, ServiceApp>();
  const prefixWidth = Math.max(...SERVICES.map((spec) => spec.name.length));
  const stop = async () => {
    for (const app of apps.values()) app.startDraining();
    if (apps.size > 0) await sleep(DRAIN_MS);
    // The catalog first: its dispatcher calls recommendation-service until it stops.
    for (const key of ['catalog', 'recommendation', 'user'] as const) {
      const app = apps.get(key);
      apps.delete(key);
      await app?.close();
    }
  };
  const start = async (key: ServiceKey, index: number) => {
    options.signal?.throwIfAborted();
    const spec = SERVICES.find((candidate) => candidate.key === key)!;
    const port = options.ports.get(key)!;
    const label = `${spec.name.padEnd(prefixWidth)} |`;
    const prefix = options.color ? styleText(COLORS[index % COLORS.length]!, label) : label;
    const stream = {
      write(chunk: string) {
        for (const line of chunk.split('\n')) {
          if (!line || isLauncherRequest(line, options.launcherRequestId)) continue;
          options.log(`${prefix} ${formatLogLine(line)}`);
        }
      },
    };
    const env = { ...options.env, PORT: String(port) };
    const { app, host } = await SERVICE_APPS[key](spec.name, env, stream);
    apps.set(key, app);
    await app.listen({ host, port }).catch((error: unknown) => {
      throw ofService(spec.name, error);
    });
  };

  const waitUntilReady = (key: ServiceKey) => {
    const spec = SERVICES.find((candidate) => candidate.key === key)!;
    const ready = waitForHttp(`${options.urls[key]}/readyz`, {
      timeoutMs: options.timeoutMs,
      onStillWaiting: reportWaiting(options.log, spec.name, 'ready'),
      ...(options.reportEveryMs ? { reportEveryMs: options.reportEveryMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // Its start-up work (the dataset import) runs after listen: a failure there is a failed
    // start, named, not a /readyz that answers 503 until the timeout.
    const failed = apps
      .get(key)!
      .startedUp()
      .then(
        () => ready,
        (error: unknown) => {
          throw ofService(spec.name, error);
        },
      );
    return Promise.race([ready, failed]);
  };
  try {
    await start('user', 0);
    await start('recommendation', 1);
    await waitUntilReady('user');
    await start('catalog', 2);
    for (const key of ['user', 'recommendation', 'catalog'] as const) await waitUntilReady(key);
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop, exited: new Promise<ExitInfo>(() => {}) };
}
