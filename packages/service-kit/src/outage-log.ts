/** What an outage log line says: how many failures so far and for how long. */
export interface OutageState {
  failures: number;
  seconds: number;
}

/**
 * When to log a failure that repeats while a dependency is away: the first one, then at most
 * one reminder every `remindEveryMs`, and once when it works again. Logs are for people: a
 * long outage must not flood them, and the first line says what is wrong. The caller logs with
 * its own message; this only decides when and counts.
 */
export class OutageLog {
  private failures = 0;
  private since = 0;
  private lastLogged = 0;

  constructor(private readonly remindEveryMs = 60_000) {}

  /** Counts a failure: what to log with it, or null when it was said lately. */
  failed(now = Date.now()): OutageState | null {
    if (this.failures++ === 0) this.since = now;
    else if (now - this.lastLogged < this.remindEveryMs) return null;
    this.lastLogged = now;
    return this.state(now);
  }

  /** A success: the outage it ends (to log once), or null when nothing was failing. */
  succeeded(now = Date.now()): OutageState | null {
    if (this.failures === 0) return null;
    const ended = this.state(now);
    this.failures = 0;
    return ended;
  }

  private state(now: number): OutageState {
    return { failures: this.failures, seconds: Math.round((now - this.since) / 1000) };
  }
}

/**
 * An error and its causes' messages on one line ("Vector store is unavailable: 14 UNAVAILABLE:
 * ... ECONNREFUSED"): for expected conditions, whose stack says nothing new each time.
 */
export function reasonOf(error: unknown): string {
  const messages: string[] = [];
  let current = error;
  while (current !== undefined && current !== null && messages.length < 8) {
    const message = current instanceof Error ? current.message : String(current);
    // A wrapper often repeats its cause's message.
    if (!messages.some((earlier) => earlier.includes(message))) messages.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return messages.join(': ');
}
