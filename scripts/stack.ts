// `npm start`: the three services on this machine, embedded by default (PGlite per service,
// the on-disk vector index, EMBEDDINGS_MODEL=auto), or against the Postgres/Milvus that
// .env or the environment names. See docs/running.md.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { reportVectorisation } from './stack/progress.js';
import { SERVICES, type ServiceKey } from './stack/services.js';
import { LAUNCHER_REQUEST_ID, REPO_ROOT, type Stack, startStack } from './stack/start-stack.js';

const say = (line: string) => console.log(`[stack] ${line}`);
/** Why the stack did not start or stopped, on stderr: where launchers and benchmarks look. */
const complain = (line: string) => console.error(`[stack] ${line}`);

// Variables already set in the environment win over .env (process.loadEnvFile never overrides).
const envFile = path.join(REPO_ROOT, '.env');
if (existsSync(envFile)) process.loadEnvFile(envFile);
const env = process.env;

const interrupt = new AbortController();
let stopping = false;
let resolveStopRequested: () => void = () => {};
const stopRequested = new Promise<void>((resolve) => {
  resolveStopRequested = resolve;
});

/** Starts the clean stop, once: whoever asks later (a signal, the parent watch) changes nothing. */
function requestStop(why: string): void {
  if (stopping) return;
  stopping = true;
  say(`${why}: stopping the services (send Ctrl-C or SIGTERM again to kill them)`);
  interrupt.abort();
  resolveStopRequested();
}

// Only signals count towards "send it again": a SIGTERM to the whole process group also ends
// npm's shell, and the parent watch below seeing that must not turn one signal into two.
let signalsReceived = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    signalsReceived += 1;
    if (signalsReceived > 1) {
      say('stopping now: killing the services');
      // ServiceProcess kills its child on exit.
      process.exit(130);
    }
    requestStop(signal);
  });
}

// `npm start` runs this under `sh -c`; a SIGTERM sent to npm ends that shell without reaching
// this process. Losing the parent is treated as that SIGTERM, so no service is left behind.
const parentPid = process.ppid;
const parentWatch = setInterval(() => {
  if (process.ppid === parentPid) return;
  clearInterval(parentWatch);
  requestStop('the parent process (npm) exited');
}, 1_000);
parentWatch.unref();

// One Node process for the three services unless STACK_MODE=processes (docs/running.md):
// measured 3x less memory for the same answers (docs/benchmarks.md, "Serving cost").
const stackMode = env.STACK_MODE || 'single';
if (stackMode !== 'single' && stackMode !== 'processes') {
  complain(`STACK_MODE=${stackMode} is not a mode: use single (the default) or processes`);
  process.exit(2);
}
const singleProcess = stackMode === 'single';
describeSetup();
const startedAt = Date.now();
let stack: Stack;
try {
  stack = await startStack({
    inProcess: singleProcess,
    ports: portsFromEnv(),
    env,
    log: (line) => console.log(line),
    color: process.stdout.isTTY,
    signal: interrupt.signal,
  });
} catch (error) {
  if (interrupt.signal.aborted) {
    say('stopped');
    process.exit(0);
  }
  complain(`start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

say(`all services are ready (${((Date.now() - startedAt) / 1000).toFixed(1)} s). Swagger UI:`);
for (const spec of [...SERVICES].sort((a, b) => a.defaultPort - b.defaultPort)) {
  say(`  ${spec.name.padEnd(24)} ${stack.urls[spec.key]}/docs`);
}
say(`  recommendations for customer 3: ${stack.urls.recommendation}/recommendation/3`);
say(`  staff dashboard:                 ${stack.urls.recommendation}/dashboard`);
say('Ctrl-C stops everything.');
void reportVectorisation({
  catalogUrl: stack.urls.catalog,
  recommendationUrl: stack.urls.recommendation,
  log: say,
  signal: interrupt.signal,
  requestId: LAUNCHER_REQUEST_ID,
});

const crashed = await Promise.race([stopRequested.then(() => undefined), stack.exited]);
if (crashed) {
  const how = crashed.signal ? `signal ${crashed.signal}` : `code ${crashed.code}`;
  complain(`${crashed.name} exited unexpectedly (${how}); stopping the other services`);
  interrupt.abort();
}
await stack.stop();
say('stopped');
process.exit(crashed ? 1 : 0);

function portsFromEnv(): Partial<Record<ServiceKey, number>> {
  const ports: Partial<Record<ServiceKey, number>> = {};
  for (const spec of SERVICES) {
    const raw = env[spec.portVariable];
    if (!raw) continue;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      complain(`${spec.portVariable}=${raw} is not a port number`);
      process.exit(2);
    }
    ports[spec.key] = port;
  }
  return ports;
}

function describeSetup(): void {
  const database = env.DATABASE_URL
    ? `Postgres at ${hostOf(env.DATABASE_URL)}`
    : 'embedded PGlite per service';
  const vectors = env.MILVUS_ADDRESS ? `Milvus at ${env.MILVUS_ADDRESS}` : 'embedded vector index';
  say(`database: ${database}; vectors: ${vectors}; EMBEDDINGS_MODEL=${env.EMBEDDINGS_MODEL || 'auto'}`);
  say(`data folder: ${path.resolve(REPO_ROOT, env.DATA_DIR || '.data')}`);
  say(
    singleProcess
      ? 'the three services run in this process (STACK_MODE=processes: one process each)'
      : 'one process per service (STACK_MODE=processes)',
  );
}

/** host:port/db of a database URL, never its password. */
function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}
