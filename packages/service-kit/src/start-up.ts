import type { FastifyInstance } from 'fastify';
import { ServiceUnavailableError } from './errors.js';

/** Work a service does once at start-up that may take long: a dataset import, a seed. */
export interface StartUpTask {
  /** Names it in logs and in /readyz's 503: `dataset import`. */
  name: string;
  /**
   * The work. When `signal` aborts (the service is shutting down) it stops soon, between two
   * writes, leaving nothing half-written, and the next start completes it.
   */
  run(signal: AbortSignal): Promise<void>;
  /** How far it is, for /readyz: `1200 of about 5000 rows read`. */
  progress?(): string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Start-up work that runs in the background once the app is ready (as `listen()` binds),
     * after the tasks added before it: the service listens meanwhile, `/healthz` answers, and
     * `/readyz` answers 503 naming the task and its progress until every task has finished.
     */
    addStartUpTask(task: StartUpTask): void;
    /**
     * Settles once the start-up tasks have finished, or stopped because the app is closing;
     * rejects with the first failure (`serve()` then exits non-zero). Tests await it before
     * reading what the tasks wrote.
     */
    startedUp(): Promise<void>;
    /** What keeps the service from being ready: a task running or failed; null once done. */
    startUpState(): string | null;
  }
}

/**
 * Runs the start-up tasks after `ready()`; returns `stop`, which aborts them (draining.ts calls
 * it at SIGTERM). preClose waits for them to stop, so they never write to a closed database.
 */
export function installStartUp(app: FastifyInstance): { stop(): void } {
  const tasks: StartUpTask[] = [];
  const stopping = new AbortController();
  /** The task running, or the one that failed. */
  let current: StartUpTask | undefined;
  let failed = false;
  let running: Promise<void> | undefined;
  let settle!: { resolve(): void; reject(error: unknown): void };
  const done = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // A failure is reported through startedUp(); nobody asking must not crash the process.
  done.catch(() => {});

  const runAll = async () => {
    const startedAt = Date.now();
    for (const task of tasks) {
      if (stopping.signal.aborted) return;
      current = task;
      try {
        await task.run(stopping.signal);
      } catch (error) {
        if (!stopping.signal.aborted) {
          failed = true;
          const reason = error instanceof Error ? error.message : String(error);
          throw new Error(`${task.name}: ${reason}`, { cause: error });
        }
        app.log.info(
          { progress: task.progress?.() },
          `${task.name} stopped: the service is shutting down; the next start completes it`,
        );
        return;
      }
    }
    current = undefined;
    if (tasks.length > 0 && !stopping.signal.aborted) {
      app.log.info({ durationMs: Date.now() - startedAt }, 'start-up work finished');
    }
  };

  app.decorate('addStartUpTask', (task: StartUpTask) => {
    tasks.push(task);
  });
  app.decorate('startedUp', () => done);
  app.decorate('startUpState', () => {
    if (!current) return null;
    // /readyz is public: the reason (a path, a driver's message) goes to the log only.
    if (failed) return `${current.name} failed (see the log)`;
    return current.progress ? `${current.name} running: ${current.progress()}` : `${current.name} running`;
  });
  app.addHook('onReady', async () => {
    current = tasks[0];
    // Not awaited: listen() binds while the tasks run.
    running = runAll().then(settle.resolve, settle.reject);
  });
  app.addHook('preClose', async () => {
    stopping.abort();
    await running;
    settle.resolve();
  });
  return { stop: () => stopping.abort() };
}

/** What a start-up task loads (`loadOnStartUp`), for the routes that cannot answer without it. */
export interface LoadedOnStartUp<T> {
  /** The loaded value; before that a 503 `Not ready: <task> running: <progress>`, as /readyz says it. */
  get(): T;
  /** The loaded value, or undefined while it loads (or after it failed or stopped). */
  readonly current: T | undefined;
}

/** How long a request refused while the service loads is told to wait (`Retry-After`). */
const LOADING_RETRY_AFTER_S = 2;

/**
 * A start-up task whose result the routes need (recommendation-service's embedder, vectors and
 * statistics): the service listens while it loads, and a route that reads it meanwhile answers
 * 503 with the task's progress and `Retry-After` rather than waiting an unknown time.
 */
export function loadOnStartUp<T>(
  app: FastifyInstance,
  task: Omit<StartUpTask, 'run'> & { load(signal: AbortSignal): Promise<T> },
): LoadedOnStartUp<T> {
  let current: T | undefined;
  app.addStartUpTask({
    ...task,
    run: async (signal) => {
      current = await task.load(signal);
    },
  });
  return {
    get current() {
      return current;
    },
    get() {
      if (current !== undefined) return current;
      const state = app.startUpState() ?? `${task.name} stopped: the service is shutting down`;
      throw new ServiceUnavailableError(`Not ready: ${state}`, { retryAfterSeconds: LOADING_RETRY_AFTER_S });
    },
  };
}
