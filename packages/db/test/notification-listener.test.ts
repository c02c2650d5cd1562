import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, NotificationListener } from '../src/index.js';

const base = process.env.DATABASE_URL;
const NEEDS = 'needs DATABASE_URL: LISTEN/NOTIFY between sessions is a Postgres server thing';
if (!base) console.warn(`skipping the notification listener: ${NEEDS}`);

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(!base)(`a notification listener (${NEEDS})`, () => {
  let admin: pg.Client;
  let listener: NotificationListener;
  const payloads: string[] = [];
  const logged: { level: string; msg: string }[] = [];
  let listening = 0;

  beforeAll(async () => {
    const databaseUrl = await createScratchDatabase(base!, 'test_listen');
    admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    const record = (level: string) => (_: unknown, msg: string) => logged.push({ level, msg });
    const log = { info: record('info'), warn: record('warn') } as unknown as FastifyBaseLogger;
    listener = new NotificationListener({
      databaseUrl,
      channel: 'Changes',
      onNotification: (payload) => payloads.push(payload),
      onListening: () => listening++,
      log,
    });
    listener.start();
    await until(() => listening === 1, 'it listens');
    expect(listener.listening).toBe(true);
  });

  afterAll(async () => {
    await listener?.close();
    await admin?.end();
  });

  it('hands over each notification on its channel, once its transaction commits', async () => {
    await admin.query('BEGIN');
    await admin.query(`SELECT pg_notify('Changes', 'products')`);
    await admin.query(`SELECT pg_notify('other', 'not ours')`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(payloads, 'nothing before the commit').toEqual([]);
    await admin.query('COMMIT');
    await until(() => payloads.length === 1, 'the notification arrives');
    expect(payloads).toEqual(['products']);
  });

  it('after losing its connection, says so, listens again and tells the caller to catch up', async () => {
    const { rowCount } = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
    );
    expect(rowCount).toBe(1);
    await until(() => !listener.listening, 'it knows it is not listening');
    await until(() => listening === 2, 'it listens again');
    expect(listener.listening).toBe(true);
    expect(logged.map((entry) => entry.level)).toEqual(['warn', 'info']);
    expect(logged[0]!.msg).toMatch(/not listening.*\(connection lost\).*reconnecting/);

    payloads.length = 0;
    await admin.query(`SELECT pg_notify('Changes', 'purchases')`);
    await until(() => payloads.length === 1, 'a notification after the reconnect arrives');
    expect(payloads).toEqual(['purchases']);
  });
});

describe.skipIf(!base)(`a notification listener under idle_session_timeout (${NEEDS})`, () => {
  it('keeps listening on a server that ends idle sessions', async () => {
    const databaseUrl = await createScratchDatabase(base!, 'test_listen_idle');
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    // New sessions of this database end after 300 ms idle (admin's own session was opened before).
    await admin.query(
      `ALTER DATABASE "${new URL(databaseUrl).pathname.slice(1)}" SET idle_session_timeout = '300ms'`,
    );
    const warnings: string[] = [];
    const log = {
      warn: (_: unknown, msg: string) => warnings.push(msg),
      info: () => {},
    } as unknown as FastifyBaseLogger;
    let listening = 0;
    const payloads: string[] = [];
    const listener = new NotificationListener({
      databaseUrl,
      channel: 'Changes',
      onNotification: (payload) => payloads.push(payload),
      onListening: () => listening++,
      log,
    });
    try {
      listener.start();
      await until(() => listening === 1, 'it listens');
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(warnings, 'never cut off').toEqual([]);
      expect(listening, 'never had to listen again').toBe(1);
      await admin.query(`SELECT pg_notify('Changes', 'products')`);
      await until(() => payloads.length === 1, 'a notification after the idle time arrives');
    } finally {
      await listener.close();
      await admin.end();
    }
  });
});

describe('a notification listener that cannot reach its database', () => {
  it('says it cannot connect (not that a connection was lost) and is not listening', async () => {
    const logged: string[] = [];
    const log = { warn: (_: unknown, msg: string) => logged.push(msg) } as unknown as FastifyBaseLogger;
    const listener = new NotificationListener({
      // Port 1: nothing listens there, the connection is refused at once.
      databaseUrl: 'postgres://nobody:nothing@127.0.0.1:1/none',
      channel: 'Changes',
      onNotification: () => {},
      onListening: () => {},
      log,
    });
    try {
      listener.start();
      await until(() => logged.length === 1, 'it warns');
      expect(logged[0]).toMatch(/not listening.*\(cannot connect\).*reconnecting/);
      expect(listener.listening).toBe(false);
    } finally {
      await listener.close();
    }
  });
});
