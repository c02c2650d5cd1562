import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';

export interface NotificationListenerOptions {
  databaseUrl: string;
  channel: string;
  /** Each notification's payload. */
  onNotification(payload: string): void;
  /** Each time LISTEN starts (again): what was notified while not listening never arrives. */
  onListening(): void;
  log: FastifyBaseLogger;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * One connection of its own (outside the pool: LISTEN belongs to a session) that LISTENs on a
 * channel (https://www.postgresql.org/docs/current/sql-notify.html: delivered at commit, nothing
 * kept for a session that is not listening). A lost connection is opened again with a growing
 * pause; the caller's own polling covers what was missed meanwhile.
 */
export class NotificationListener {
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;

  constructor(private readonly options: NotificationListenerOptions) {}

  /** Whether LISTEN is in place now (a /metrics gauge: replicas that do not hear each other). */
  get listening(): boolean {
    return this.client !== undefined;
  }

  start(): void {
    void this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const { databaseUrl, channel, log } = this.options;
    const client = new pg.Client({
      connectionString: databaseUrl,
      connectionTimeoutMillis: 3_000,
      // It never sends a query: TCP keepalive is what notices a connection that silently died.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    let lost = false;
    const lose = (err?: unknown) => {
      if (lost || this.closed) return;
      lost = true;
      if (this.failures++ === 0) {
        const why = this.client === client ? 'connection lost' : 'cannot connect';
        log.warn(
          { err, channel },
          `not listening for database notifications (${why}); reconnecting, polling catches up meanwhile`,
        );
      }
      this.client = undefined;
      client.end().catch(() => {});
      this.timer = setTimeout(() => void this.connect(), Math.min(100 * 2 ** this.failures, MAX_BACKOFF_MS));
      this.timer.unref();
    };
    client.on('notification', (message) => this.options.onNotification(message.payload ?? ''));
    // A server restart or a network cut: 'error', then 'end' (or only 'end').
    client.on('error', lose);
    client.on('end', () => lose(new Error('connection ended')));
    try {
      await client.connect();
      // This session only waits: a server-wide idle_session_timeout (Postgres 14+) would cut it
      // again and again. Older servers do not know the setting (42704), and need nothing.
      await client.query('SET idle_session_timeout = 0').catch((err: { code?: string }) => {
        if (err.code !== '42704') throw err;
      });
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (err) {
      lose(err);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    if (this.failures > 0) log.info({ channel }, 'listening for database notifications again');
    this.failures = 0;
    this.options.onListening();
  }
}
