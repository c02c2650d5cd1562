import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Stops waiting (rejects with the signal's reason). */
  signal?: AbortSignal;
}

/**
 * Polls `url` until it answers 200. On timeout the error says what the last attempt got
 * (a status with its body, or the connection error), which usually names the culprit:
 * /readyz answers `{"detail": "Not ready: database unavailable"}`.
 */
export async function waitForHttp(url: string, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 250;
  let last = 'no answer yet';
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(Math.min(5_000, Math.max(1, deadline - Date.now()))),
      });
      const body = await response.text();
      if (response.status === 200) return;
      last = `HTTP ${response.status} ${body.slice(0, 300)}`;
    } catch (error) {
      last = describe(error);
    }
    if (Date.now() + interval > deadline) {
      throw new Error(
        `${url} did not answer 200 within ${Math.round(options.timeoutMs / 1000)} s (last: ${last})`,
      );
    }
    await sleep(interval, undefined, options.signal ? { signal: options.signal } : {});
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
