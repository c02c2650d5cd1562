import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SERVICES, type ServiceSpec } from '@ecom/stack/services';
import { REPO_ROOT, type Stack, startStack } from '@ecom/stack/start-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The launcher with the real user-service and stand-ins for the other two (test/fixtures),
// whose readiness depends on each other the way the real ones may: recommendation is ready
// only when the catalog is, the catalog only when user-service is.
const FIXTURES = path.relative(REPO_ROOT, path.join(import.meta.dirname, 'fixtures'));
const real = (key: ServiceSpec['key']) => SERVICES.find((spec) => spec.key === key)!;
const standIn = (key: ServiceSpec['key'], entry: string): ServiceSpec => ({
  ...real(key),
  dir: FIXTURES,
  entry,
});

// Embedded databases whatever the environment says: this test must not seed a shared Postgres.
const EMBEDDED = { DATABASE_URL: '', MILVUS_ADDRESS: '', LOG_LEVEL: 'info', INTERNAL_API_TOKEN: '' };

describe('startStack with user-service and stand-ins', () => {
  let dataDir: string;
  let stack: Stack;
  const lines: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'stack-test-'));
    stack = await startStack({
      ports: { user: 0, catalog: 0, recommendation: 0 },
      env: EMBEDDED,
      dataDir,
      log: (line) => lines.push(line),
      services: [
        real('user'),
        standIn('recommendation', 'fake-recommendation.ts'),
        standIn('catalog', 'fake-catalog.ts'),
      ],
      timeoutMs: 60_000,
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('resolves once every service answers /readyz, on the ports it chose', async () => {
    for (const url of Object.values(stack.urls)) {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    }
    const customer = await fetch(`${stack.urls.user}/customer/3`);
    expect(customer.status).toBe(200);
  });

  it('gives every service the others’ URLs, its own PORT and the data folder', async () => {
    const env = (await (await fetch(`${stack.urls.catalog}/env`)).json()) as Record<string, string>;
    expect(env.USER_SERVICE_URL).toBe(stack.urls.user);
    expect(env.RECOMMENDATION_SERVICE_URL).toBe(stack.urls.recommendation);
    expect(env.CATALOG_SERVICE_URL).toBe(stack.urls.catalog);
    expect(`http://127.0.0.1:${env.PORT}`).toBe(stack.urls.catalog);
    expect(env.DATA_DIR).toBe(dataDir);
    expect(env.HOST).toBe('127.0.0.1');
  });

  it('starts the catalog only after user-service is ready', () => {
    const userReady = lines.findIndex(
      (line) => line.startsWith('user-service') && line.includes('Server listening'),
    );
    const catalogFirst = lines.findIndex((line) => line.startsWith('catalog-service'));
    expect(userReady).toBeGreaterThanOrEqual(0);
    expect(catalogFirst).toBeGreaterThan(userReady);
  });

  it('prefixes child output with the service name and shows pino lines compactly', () => {
    const listening = lines.find(
      (line) => line.startsWith('user-service') && line.includes('Server listening'),
    );
    expect(listening).toMatch(
      /^user-service\s+\| \d\d:\d\d:\d\d\.\d{3} INFO {2}Server listening at http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(lines.some((line) => line.includes('"level"'))).toBe(false);
    // The prefix names the service; the JSON line's own `service` field is not repeated.
    expect(listening).not.toMatch(/ service=/);
  });

  it('stop() ends every service', async () => {
    await stack.stop();
    for (const url of Object.values(stack.urls)) {
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    }
    expect(lines.some((line) => line.startsWith('user-service') && line.includes('shutting down'))).toBe(
      true,
    );
  });
});

describe('startStack failures', () => {
  it('names the service that exits during start-up, with its output, and stops the others', async () => {
    const lines: string[] = [];
    const started = startStack({
      ports: { catalog: 0, recommendation: 0 },
      env: EMBEDDED,
      log: (line) => lines.push(line),
      services: [standIn('recommendation', 'fake-recommendation.ts'), standIn('catalog', 'fake-crash.ts')],
      timeoutMs: 30_000,
    });
    await expect(started).rejects.toThrow(
      /catalog-service exited \(code 3\) before it was healthy[\s\S]*cannot open/,
    );
    expect(
      lines.some((line) => line.startsWith('recommendation-service') && line.includes('shutting down')),
    ).toBe(true);
  });

  it('stops what it started when the start is aborted', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    const started = startStack({
      ports: { catalog: 0, recommendation: 0 },
      env: EMBEDDED,
      log: (line) => {
        lines.push(line);
        // Abort as soon as the first service is up: the recommendation stand-in is never ready.
        if (line.includes('Server listening')) controller.abort();
      },
      services: [standIn('recommendation', 'fake-recommendation.ts')],
      signal: controller.signal,
      timeoutMs: 30_000,
    });
    await expect(started).rejects.toThrow('start-up interrupted');
    expect(lines.some((line) => line.includes('shutting down'))).toBe(true);
  });

  it('refuses a port that is already taken, naming the variable', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      await expect(
        startStack({
          ports: { catalog: port },
          env: EMBEDDED,
          log: () => {},
          services: [standIn('catalog', 'fake-catalog.ts')],
        }),
      ).rejects.toThrow(
        `catalog-service: port ${port} is already in use (choose another with CATALOG_SERVICE_PORT`,
      );
    } finally {
      blocker.close();
    }
  });

  it('refuses one port for two services before starting either, naming both variables', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const lines: string[] = [];
    await expect(
      startStack({
        ports: { catalog: port, recommendation: port },
        env: EMBEDDED,
        log: (line) => lines.push(line),
        services: [
          standIn('catalog', 'fake-catalog.ts'),
          standIn('recommendation', 'fake-recommendation.ts'),
        ],
      }),
    ).rejects.toThrow(
      /would both use port \d+ \(set (CATALOG|RECOMMENDATION)_SERVICE_PORT or (CATALOG|RECOMMENDATION)_SERVICE_PORT\)/,
    );
    expect(lines.some((line) => line.includes('Server listening'))).toBe(false);
  });

  it('names the service whose start-up failed when the three share one process', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'stack-fail-'));
    try {
      await expect(
        startStack({
          inProcess: true,
          ports: { user: 0, catalog: 0, recommendation: 0 },
          env: { ...EMBEDDED, EMBEDDINGS_MODEL: 'hashing', DATASET_PATH: path.join(dataDir, 'nope.csv') },
          dataDir,
          log: () => {},
        }),
      ).rejects.toThrow(/^(user|catalog|recommendation)-service: .*nope\.csv/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('says on stderr why npm start did not start, and exits 1', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'stack-stderr-'));
    try {
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/stack.ts'], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          ...EMBEDDED,
          EMBEDDINGS_MODEL: 'hashing',
          DATA_DIR: dataDir,
          DATASET_PATH: path.join(dataDir, 'nope.csv'),
          USER_SERVICE_PORT: '0',
          CATALOG_SERVICE_PORT: '0',
          RECOMMENDATION_SERVICE_PORT: '0',
        },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/\[stack\] start-up failed: .*nope\.csv/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 130_000);

  it('refuses a STACK_MODE it does not know instead of running single mode', () => {
    // The launcher's source, not `npm start`: that would compile the services beside other tests.
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/stack.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, STACK_MODE: 'procesess' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('STACK_MODE=procesess is not a mode: use single (the default) or processes');
  });
});

describe('startStack while a service is not ready', () => {
  it('says every so often which service it waits for and what its /readyz says, one line each time', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    const waiting = () => lines.filter((line) => line.startsWith('[stack] waiting'));
    // Under load the stand-in may take over an interval to listen: the first lines then say
    // "to be healthy".
    const waitingReady = () => waiting().filter((line) => line.includes('to be ready'));
    const startedAt = Date.now();
    const started = startStack({
      ports: { recommendation: 0 },
      env: EMBEDDED,
      log: (line) => {
        lines.push(line);
        if (waitingReady().length === 2) controller.abort();
      },
      // Without the catalog, the recommendation stand-in is never ready.
      services: [standIn('recommendation', 'fake-recommendation.ts')],
      signal: controller.signal,
      timeoutMs: 30_000,
      reportEveryMs: 500,
    });
    await expect(started).rejects.toThrow('start-up interrupted');
    expect(waitingReady()[0]).toMatch(
      /^\[stack\] waiting for recommendation-service to be ready \(\d+ s so far\): HTTP 503 Not ready: CATALOG_SERVICE_URL unavailable$/,
    );
    // One line per interval, not one per poll (every 250 ms).
    expect(waiting().length).toBeLessThanOrEqual(Math.ceil((Date.now() - startedAt) / 500));
  });

  it('names the failing check of a service that shares the process, e.g. a Milvus that never answers', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'stack-not-ready-'));
    const controller = new AbortController();
    const lines: string[] = [];
    try {
      const started = startStack({
        inProcess: true,
        ports: { user: 0, catalog: 0, recommendation: 0 },
        env: { ...EMBEDDED, EMBEDDINGS_MODEL: 'hashing', MILVUS_ADDRESS: '127.0.0.1:1' },
        dataDir,
        log: (line) => {
          lines.push(line);
          if (line.startsWith('[stack] waiting for recommendation-service')) controller.abort();
        },
        signal: controller.signal,
        timeoutMs: 120_000,
        reportEveryMs: 1_000,
      });
      await expect(started).rejects.toThrow();
      expect(lines.find((line) => line.startsWith('[stack] waiting'))).toMatch(
        /^\[stack\] waiting for recommendation-service to be ready \(\d+ s so far\): HTTP 503 Not ready: vector_store unavailable$/,
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 130_000);
});

// HOST set to one interface: the launcher waits for, and the services reach each other at, that
// address (127.0.0.2 is loopback on Linux without set-up; ::1 needs IPv6 on the loopback).
describe('startStack with HOST set to one address', () => {
  it('one process per service on HOST=127.0.0.2: ready, each service given the others there', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'stack-host-'));
    const stack = await startStack({
      ports: { user: 0, catalog: 0, recommendation: 0 },
      env: { ...EMBEDDED, HOST: '127.0.0.2' },
      dataDir,
      log: () => {},
      // Each stand-in is ready only once the ones it needs answer at the URLs it was given.
      services: [
        real('user'),
        standIn('recommendation', 'fake-recommendation.ts'),
        standIn('catalog', 'fake-catalog.ts'),
      ],
      timeoutMs: 60_000,
    });
    try {
      for (const url of Object.values(stack.urls)) expect(url).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
      const env = (await (await fetch(`${stack.urls.catalog}/env`)).json()) as Record<string, string>;
      expect(env.USER_SERVICE_URL).toBe(stack.urls.user);
      expect(env.RECOMMENDATION_SERVICE_URL).toBe(stack.urls.recommendation);
    } finally {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('the three services in one process on HOST=::1: ready, and recommending', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'stack-host-ipv6-'));
    const stack = await startStack({
      inProcess: true,
      ports: { user: 0, catalog: 0, recommendation: 0 },
      env: { ...EMBEDDED, HOST: '::1', EMBEDDINGS_MODEL: 'hashing', LOG_LEVEL: 'warn' },
      dataDir,
      log: () => {},
      timeoutMs: 90_000,
    });
    try {
      for (const url of Object.values(stack.urls)) expect(url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      // recommendation-service reads the customer from user-service and the purchases from
      // catalog-service, at the URLs derived from HOST.
      let answer: unknown;
      for (let i = 0; i < 60 && !(Array.isArray(answer) && answer.length === 10); i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, 500));
        answer = await (await fetch(`${stack.urls.recommendation}/recommendation/3`)).json();
      }
      expect(answer).toHaveLength(10);
    } finally {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 130_000);
});

describe('npm start (scripts/stack.ts) and signals', () => {
  it('stops cleanly on one SIGTERM to its whole process group, shell included', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'stack-group-term-'));
    // As npm runs it: under `sh -c`, which the group's SIGTERM ends too. Detached: its own group.
    const shell = spawn('sh', ['-c', `"${process.execPath}" --import tsx scripts/stack.ts`], {
      cwd: REPO_ROOT,
      detached: true,
      env: {
        ...process.env,
        ...EMBEDDED,
        EMBEDDINGS_MODEL: 'hashing',
        DATA_DIR: dataDir,
        USER_SERVICE_PORT: '0',
        CATALOG_SERVICE_PORT: '0',
        RECOMMENDATION_SERVICE_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    for (const stream of [shell.stdout, shell.stderr]) {
      stream.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
    }
    // The launcher holds the pipes: they close when it has exited, not when the shell has.
    let launcherExited = false;
    const closed = new Promise<void>((resolve) =>
      shell.on('close', () => {
        launcherExited = true;
        resolve();
      }),
    );
    try {
      await until(
        () => output.includes('[stack] all services are ready'),
        120_000,
        () => output,
      );
      process.kill(-shell.pid!, 'SIGTERM');
      await closed;
      // Said for the signal or for the shell's exit, whichever the launcher sees first.
      expect(output).toMatch(/\[stack\] (SIGTERM|the parent process \(npm\) exited): stopping the services/);
      expect(output, output).not.toContain('stopping now');
      expect(output).toContain('[stack] stopped');
    } finally {
      // A launcher left behind by a failure above.
      if (!launcherExited) process.kill(-shell.pid!, 'SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});

async function until(condition: () => boolean, timeoutMs: number, context: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms:\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
