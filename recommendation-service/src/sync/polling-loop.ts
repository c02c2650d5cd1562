/**
 * Runs `tick` again and again until stopped; each tick says how long to wait before the next
 * (so a poller can back off while its source is away). The timer does not keep the process
 * alive, and `stop` waits for a tick in progress, so nothing writes after a service closed.
 * `tick` handles its own errors: it is a poller's whole iteration.
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
