/**
 * In-process "the outbox has new rows" notification: writers call notify() after their
 * transaction commits so the dispatcher delivers at once instead of at its next poll.
 */
export class OutboxSignal {
  /** Set by the running dispatcher. */
  listener: (() => void) | null = null;

  notify(): void {
    this.listener?.();
  }
}
