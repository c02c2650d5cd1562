/** How many items the next batch takes, told how long each batch took. */
export interface BatchSize {
  readonly current: number;
  /** A batch of `count` items (at most `current`; fewer at the end of the work) took `ms`. */
  took(count: number, ms: number): void;
}

/**
 * How many items the next batch takes so that it lasts about `targetMs`, from how long the last one
 * took: embedded, a statement runs on the thread every service shares and a transaction holds
 * PGlite's one session, so a batch's length is how long every request may wait. The size stays
 * between 1 and `max`, and at most doubles per batch (one quick batch is no proof).
 */
export class TimedBatchSize implements BatchSize {
  private size: number;

  constructor(
    private readonly targetMs: number,
    private readonly max: number,
    initial: number,
  ) {
    this.size = Math.max(1, Math.min(max, initial));
  }

  get current(): number {
    return this.size;
  }

  took(count: number, ms: number): void {
    const fits = Math.floor((count * this.targetMs) / Math.max(ms, 1));
    // A short batch within the target says little (fixed costs weigh more in it): no shrinking.
    const next = ms > this.targetMs ? fits : Math.max(fits, this.size);
    this.size = Math.max(1, Math.min(this.max, 2 * this.size, next));
  }
}
