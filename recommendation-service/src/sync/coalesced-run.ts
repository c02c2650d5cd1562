/**
 * Runs `work` one call at a time. A call while it runs asks for one run more right after it (what
 * changed during a run may have been read before the change), shared by every call made
 * meanwhile: a burst of calls costs two runs, not one each.
 */
export class CoalescedRun<T> {
  private current: Promise<T> | undefined;
  private next: Promise<T> | undefined;

  constructor(private readonly work: () => Promise<T>) {}

  run(): Promise<T> {
    if (!this.current) {
      this.current = this.work().finally(() => {
        this.current = undefined;
      });
      return this.current;
    }
    const ignore = () => {};
    this.next ??= this.current.then(ignore, ignore).then(() => {
      this.next = undefined;
      return this.run();
    });
    return this.next;
  }

  /** Settles when no run is in progress or asked for (without asking for one). */
  async idle(): Promise<void> {
    for (let pending = this.next ?? this.current; pending; pending = this.next ?? this.current) {
      await pending.catch(() => {});
    }
  }
}
