import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { styleText } from 'node:util';
import { formatLogLine, isLauncherRequest } from './format-log.js';
import type { ExitInfo } from './service-process.js';
import { SERVICES, type ServiceKey } from './services.js';
import { waitForHttp } from './wait-for-http.js';

/** Requests get 503 this long after a stop before the listeners close (as service-kit's runServer). */
const DRAIN_MS = 1_000;
const COLORS = ['cyan', 'magenta', 'yellow'] as const;

/** What the launcher uses of a service's Fastify app (scripts/ has no fastify dependency). */
interface ServiceApp {
  listen(options: { host: string; port: number }): Promise<unknown>;
  close(): Promise<unknown>;
  startDraining(): void;
}

interface ServiceModule {
  buildApp(config: unknown, options: Record<string, unknown>): Promise<ServiceApp>;
  readConfig(env: NodeJS.ProcessEnv): { LOG_LEVEL: string; HOST: string; PORT: number };
}

export interface InProcessOptions {
  repoRoot: string;
  ports: Map<ServiceKey, number>;
  /** The environment every service gets (URLs, DATA_DIR, HOST ...); PORT is added per service. */
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  color?: boolean;
  launcherRequestId: string;
  timeoutMs: number;
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
    const root = path.join(options.repoRoot, spec.dir, 'src');
    const [appModule, configModule] = await Promise.all([
      import(pathToFileURL(path.join(root, 'app.ts')).href),
      import(pathToFileURL(path.join(root, 'config.ts')).href),
    ]);
    const service = { buildApp: appModule.buildApp, readConfig: configModule.readConfig } as ServiceModule;
    const port = options.ports.get(key)!;
    let config: ReturnType<ServiceModule['readConfig']>;
    try {
      config = service.readConfig({ ...options.env, PORT: String(port) });
    } catch (error) {
      throw new Error(`${spec.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
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
    const app = await service.buildApp(config, { logger: { level: config.LOG_LEVEL, stream } });
    apps.set(key, app);
    await app.listen({ host: config.HOST, port });
  };

  const url = (key: ServiceKey, what: 'healthz' | 'readyz') =>
    `http://127.0.0.1:${options.ports.get(key)}/${what}`;
  const wait = { timeoutMs: options.timeoutMs, ...(options.signal ? { signal: options.signal } : {}) };
  try {
    await start('user', 0);
    await start('recommendation', 1);
    await waitForHttp(url('user', 'readyz'), wait);
    await start('catalog', 2);
    for (const key of ['user', 'recommendation', 'catalog'] as const)
      await waitForHttp(url(key, 'readyz'), wait);
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop, exited: new Promise<ExitInfo>(() => {}) };
}
