import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { reachableHost } from '@ecom/service-kit';
import { isLauncherRequest } from './format-log.js';
import { freePort, isPortFree } from './free-port.js';
import { startInProcess } from './in-process.js';
import { type ExitInfo, ServiceProcess } from './service-process.js';
import { SERVICES, type ServiceKey, type ServiceSpec, type ServiceState } from './services.js';
import { reportWaiting, waitForHttp } from './wait-for-http.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/**
 * Requests the launcher sends carry request ids with this prefix; their log lines are hidden.
 * Random per run, so no client can hide its own requests from the console by choosing the id.
 */
export const LAUNCHER_REQUEST_ID = `stack-launcher-${randomUUID().slice(0, 8)}`;

const DEFAULT_TIMEOUT_MS = 300_000;
/** A little more than the services' own shutdown grace (service-kit serve: 10 s). */
const STOP_GRACE_MS = 15_000;
const COLORS = ['cyan', 'magenta', 'yellow', 'green', 'blue'] as const;

export interface StartStackOptions {
  /** Port per service: absent = its default (8101/8111/8121), 0 = a free ephemeral port. */
  ports?: Partial<Record<ServiceKey, number>>;
  /**
   * Variables for every service, over the launcher's own environment. A service URL
   * variable (USER_SERVICE_URL, ...) set here is passed on instead of the local address.
   * Relative `*_DIR` / `*_PATH` values are taken from the repository root.
   */
  env?: Record<string, string | undefined>;
  /** DATA_DIR of every service (each keeps its data in a sub-folder). Default: env DATA_DIR, else <repo>/.data. */
  dataDir?: string;
  /** Receives the output, one line at a time. Default: stdout. */
  log?: (line: string) => void;
  /** Colour the service prefixes (for terminals). */
  color?: boolean;
  /** Aborting stops a start in progress; the services started so far are stopped. */
  signal?: AbortSignal;
  /** Longest wait for one service to become healthy or ready. Default 5 min (a first start may download a model). */
  timeoutMs?: number;
  /**
   * While a service is not yet healthy or ready, a `[stack] waiting for ...` line this often
   * says which and what it last answered (its /readyz names the failing check). Default 10 s.
   */
  reportEveryMs?: number;
  /** The services to start (default: all three); tests may start fewer or stand-ins. */
  services?: readonly ServiceSpec[];
  /**
   * Run the three services in this process (`npm start`'s default, STACK_MODE=single) instead
   * of one child process each. Ignores `services`.
   */
  inProcess?: boolean;
}

export interface Stack {
  /** Base URL per service, where it listens: e.g. http://127.0.0.1:8101, http://[::1]:8101 with HOST=::1 */
  urls: Record<ServiceKey, string>;
  /** Settles when a service exits by itself (a crash): the stack is then incomplete. Never after stop(). */
  exited: Promise<ExitInfo>;
  /** SIGTERM to every service, waits until they have exited (SIGKILL after a grace period). */
  stop(): Promise<void>;
  /** SIGKILL to every service, now. */
  kill(): void;
  /** Process id per started service (benchmarks read their memory use from /proc). */
  pids: Partial<Record<ServiceKey, number>>;
}

/**
 * Starts the services as child processes (tsx, as `pnpm start` in each service would), in
 * the order of their `startAfter` needs, and resolves once every one answers /readyz.
 * On any failure the services already started are stopped and the error says which one
 * failed, with the end of its output.
 */
export async function startStack(options: StartStackOptions = {}): Promise<Stack> {
  const services = options.services ?? SERVICES;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  for (const spec of services) {
    if (!existsSync(path.join(REPO_ROOT, spec.dir, spec.entry))) {
      throw new Error(`${spec.name}: ${path.join(spec.dir, spec.entry)} does not exist in this checkout`);
    }
  }
  const ports = await choosePorts(services, options.ports ?? {});
  const sharedEnv = sharedEnvironment(options);
  const host = reachableHost(sharedEnv.HOST!);
  const urls = Object.fromEntries(
    SERVICES.map((spec) => [spec.key, `http://${host}:${ports.get(spec.key) ?? spec.defaultPort}`]),
  ) as Record<ServiceKey, string>;
  for (const spec of SERVICES) {
    sharedEnv[spec.urlVariable] = options.env?.[spec.urlVariable] || urls[spec.key];
  }
  if (options.inProcess) {
    const running = await startInProcess({
      ports,
      urls,
      env: sharedEnv,
      log,
      color: options.color ?? false,
      launcherRequestId: LAUNCHER_REQUEST_ID,
      timeoutMs,
      ...(options.reportEveryMs ? { reportEveryMs: options.reportEveryMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let stopped: Promise<void> | undefined;
    return {
      urls,
      exited: running.exited,
      stop: () => {
        stopped ??= running.stop();
        return stopped;
      },
      // The services are this process: killing them is exiting.
      kill: () => process.exit(137),
      pids: { user: process.pid, catalog: process.pid, recommendation: process.pid },
    };
  }
  // This package's own tsx (a dependency in its package.json).
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const prefixWidth = Math.max(...services.map((spec) => spec.name.length));

  const processes = new Map<ServiceKey, ServiceProcess>();
  let stopping = false;
  const failure = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, failure.signal]) : failure.signal;
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopping = true;
    stopped ??= Promise.all([...processes.values()].map((proc) => proc.stop(STOP_GRACE_MS))).then(() => {});
    return stopped;
  };

  const launches = new Map<ServiceKey, Promise<ServiceProcess>>();
  const reached = new Map<string, Promise<void>>();
  const reach = (key: ServiceKey, state: ServiceState): Promise<void> => {
    const id = `${key}:${state}`;
    let promise = reached.get(id);
    if (!promise) {
      promise = (async () => {
        const proc = await launches.get(key)!;
        const url = `${urls[key]}/${state === 'healthy' ? 'healthz' : 'readyz'}`;
        const waiting = waitForHttp(url, {
          timeoutMs,
          signal,
          onStillWaiting: reportWaiting(log, proc.name, state),
          ...(options.reportEveryMs ? { reportEveryMs: options.reportEveryMs } : {}),
        });
        await Promise.race([waiting, failOnExit(proc, state)]);
      })();
      reached.set(id, promise);
    }
    return promise;
  };
  const launch = async (spec: ServiceSpec, index: number): Promise<ServiceProcess> => {
    // Let every launch be registered before any looks up the services it waits for.
    await Promise.resolve();
    for (const need of spec.startAfter) {
      if (launches.has(need.service)) await reach(need.service, need.state);
    }
    signal.throwIfAborted();
    const proc = new ServiceProcess({
      name: spec.name,
      cwd: path.join(REPO_ROOT, spec.dir),
      command: process.execPath,
      args: ['--import', tsxLoader, spec.entry],
      env: { ...sharedEnv, PORT: String(ports.get(spec.key)) },
      log,
      prefixWidth,
      hide: (line) => isLauncherRequest(line, LAUNCHER_REQUEST_ID),
      ...(options.color ? { color: COLORS[index % COLORS.length] } : {}),
    });
    processes.set(spec.key, proc);
    return proc;
  };

  try {
    services.forEach((spec, index) => {
      launches.set(spec.key, launch(spec, index));
    });
    await Promise.all(services.map((spec) => reach(spec.key, 'healthy')));
    await Promise.all(services.map((spec) => reach(spec.key, 'ready')));
  } catch (error) {
    failure.abort(error);
    await stop();
    if (options.signal?.aborted) throw new Error('start-up interrupted', { cause: error });
    throw error;
  }

  const exited = new Promise<ExitInfo>((resolve) => {
    for (const proc of processes.values()) {
      void proc.exited.then((info) => {
        if (!stopping) resolve(info);
      });
    }
  });
  return {
    urls,
    exited,
    stop,
    pids: Object.fromEntries([...processes].map(([key, proc]) => [key, proc.pid])),
    kill: () => {
      stopping = true;
      for (const proc of processes.values()) proc.kill('SIGKILL');
    },
  };
}

/** Rejects when the process exits before it reached `state`; the message carries its last output. */
function failOnExit(proc: ServiceProcess, state: ServiceState): Promise<never> {
  const failed = proc.exited.then((exit) => {
    const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
    throw new Error(
      `${proc.name} exited (${how}) before it was ${state}. Its last output:\n${proc.recentOutput()}`,
    );
  });
  // Observed by the race that asked for it; once that race is won, nobody else waits for it.
  failed.catch(() => {});
  return failed;
}

async function choosePorts(
  services: readonly ServiceSpec[],
  wanted: Partial<Record<ServiceKey, number>>,
): Promise<Map<ServiceKey, number>> {
  const ports = new Map<ServiceKey, number>();
  for (const spec of services) {
    const port = wanted[spec.key] ?? spec.defaultPort;
    // Nothing listens yet, so a port given to two services would look free to both.
    const taken = services.find(
      (other) => other !== spec && (wanted[other.key] ?? other.defaultPort) === port,
    );
    if (port !== 0 && taken) {
      throw new Error(
        `${spec.name} and ${taken.name} would both use port ${port} (set ${spec.portVariable} or ${taken.portVariable})`,
      );
    }
    if (port === 0) {
      ports.set(spec.key, await freePort());
    } else if (await isPortFree(port)) {
      ports.set(spec.key, port);
    } else {
      throw new Error(
        `${spec.name}: port ${port} is already in use (choose another with ${spec.portVariable}, or stop what listens there)`,
      );
    }
  }
  return ports;
}

/** The environment every service gets; the service URLs and PORT are added to it. */
function sharedEnvironment(options: StartStackOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  for (const [name, value] of Object.entries(env)) {
    // Relative to the repository (docs/running.md): each service process has its own working directory.
    if (value && /_(DIR|PATH)$/.test(name) && !path.isAbsolute(value)) {
      env[name] = path.resolve(REPO_ROOT, value);
    }
  }
  env.DATA_DIR = path.resolve(REPO_ROOT, options.dataDir ?? env.DATA_DIR ?? '.data');
  // Local runs listen on loopback only unless HOST says otherwise.
  env.HOST ||= '127.0.0.1';
  return env;
}
