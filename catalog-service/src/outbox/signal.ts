/**
 * In-process "the outbox has new rows" notification: writers call notify() after their
 * transaction commits so the dispatcher delivers at once instead of at its next poll.
 */
export class OutboxSignal {
  private readonly listeners = new Set<() => void>();

  notify(): void {
    for (const listener of this.listeners) listener();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
