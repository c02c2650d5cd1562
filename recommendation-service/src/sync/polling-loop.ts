import type { FastifyBaseLogger } from 'fastify';

/** How long a feed may be unreachable before it is worth a warning. */
const WARN_AFTER_MS = 30_000;

/**
 * Runs `tick` (which handles its own errors) until stopped; each tick returns the delay before
 * the next, so a poller can back off. The timer does not keep the process alive, and `stop`
 * waits for a tick in progress, so nothing writes after a service closed.
 */
export abstract class PollingLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** True once `stop` was called (a loop is started once): long catch-ups end early. */
  protected stopping = false;
  /** Polls failed in a row (0: the last one worked). */
  protected failures = 0;
  private failingSince = 0;
  private warned = false;

  constructor(protected readonly log: FastifyBaseLogger) {}

  protected abstract tick(): Promise<number>;

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** A poll worked: `back` is logged when the ones before failed. */
  protected succeeded(back: string): void {
    if (this.failures > 0) this.log.info(back);
    this.failures = 0;
    this.warned = false;
  }

  /** A poll failed. The other service may start after this one: one warning per outage that lasts. */
  protected failed(err: unknown, warning: string): void {
    if (this.failures++ === 0) this.failingSince = Date.now();
    if (!this.warned && Date.now() - this.failingSince >= WARN_AFTER_MS) {
      this.warned = true;
      this.log.warn({ err }, warning);
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .then((nextDelayMs) => this.schedule(nextDelayMs))
        .finally(() => {
          this.running = undefined;
        });
    }, delayMs);
    this.timer.unref();
  }
}
