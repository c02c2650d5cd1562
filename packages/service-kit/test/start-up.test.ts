import { describe, expect, it } from 'vitest';
import { createServer } from '../src/index.js';

/** A start-up task that writes "batches" until released or stopped, as the dataset import does. */
function batches(total: number) {
  let done = 0;
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const log: string[] = [];
  return {
    log,
    release,
    advance: (to: number) => {
      done = to;
    },
    task: {
      name: 'demo import',
      progress: () => `${done} of ${total} batches written`,
      run: async (signal: AbortSignal) => {
        await Promise.race([released, new Promise((resolve) => signal.addEventListener('abort', resolve))]);
        if (signal.aborted) {
          // The batch being written commits first: the database must still be open.
          await new Promise((resolve) => setTimeout(resolve, 50));
          log.push('batch committed');
          signal.throwIfAborted();
        }
        log.push('finished');
      },
    },
  };
}

async function testApp() {
  return createServer({ name: 'test-service', description: 'test', logger: false });
}

describe('start-up tasks', () => {
  it('lets the app answer while they run: /healthz 200, /readyz 503 with the progress, 200 once done', async () => {
    const app = await testApp();
    const work = batches(10);
    app.addStartUpTask(work.task);
    try {
      await app.ready();
      work.advance(3);
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const starting = await app.inject({ method: 'GET', url: '/readyz' });
      expect([starting.statusCode, starting.json()]).toEqual([
        503,
        { detail: 'Not ready: demo import running: 3 of 10 batches written', checks: {} },
      ]);
      work.release();
      await app.startedUp();
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect([ready.statusCode, ready.json()]).toEqual([200, { status: 'ready', checks: {} }]);
    } finally {
      await app.close();
    }
  });

  it('stops them at close and waits for them before the onClose hooks (the database closes there)', async () => {
    const app = await testApp();
    const work = batches(10);
    app.addStartUpTask(work.task);
    app.addHook('onClose', async () => {
      work.log.push('database closed');
    });
    await app.ready();
    app.startDraining();
    await app.close();
    await app.startedUp();
    expect(work.log).toEqual(['batch committed', 'database closed']);
  });

  it('reports a failure through startedUp() and /readyz, without its reason in the public answer', async () => {
    const app = await testApp();
    app.addStartUpTask({
      name: 'demo import',
      run: async () => {
        throw new Error("ENOENT: no such file or directory, open '/srv/secret/dataset.csv'");
      },
    });
    try {
      await app.ready();
      await expect(app.startedUp()).rejects.toThrow(
        "demo import: ENOENT: no such file or directory, open '/srv/secret/dataset.csv'",
      );
      const readyz = await app.inject({ method: 'GET', url: '/readyz' });
      expect([readyz.statusCode, readyz.json()]).toEqual([
        503,
        { detail: 'Not ready: demo import failed (see the log)', checks: {} },
      ]);
    } finally {
      await app.close();
    }
  });
});
