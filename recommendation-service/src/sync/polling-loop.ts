/**
 * Runs `tick` (which handles its own errors) until stopped; each tick returns the delay before
 * the next, so a poller can back off. The timer does not keep the process alive, and `stop`
 * waits for a tick in progress, so nothing writes after a service closed.
 */
export abstract class PollingLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** True once `stop` was called (until the next `start`): long catch-ups end early. */
  protected stopping = false;

  protected abstract tick(): Promise<number>;

  start(): void {
    this.stopping = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
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
