import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Stops waiting (rejects with the signal's reason). */
  signal?: AbortSignal;
  /**
   * Called every `reportEveryMs` while the wait goes on, with what the last attempt got: a
   * wait that never ends (a dependency that never answers) is not silent.
   */
  onStillWaiting?: (last: string, waitedMs: number) => void;
  /** Default 10 s. */
  reportEveryMs?: number;
}

const DEFAULT_REPORT_EVERY_MS = 10_000;

/**
 * Polls `url` until it answers 200. On timeout the error says what the last attempt got
 * (a status with what its body says is failing, or the connection error), which usually
 * names the culprit: /readyz answers `{"detail": "Not ready: database unavailable", "checks": ...}`.
 */
export async function waitForHttp(url: string, options: WaitOptions): Promise<void> {
  const startedAt = Date.now();
  const deadline = startedAt + options.timeoutMs;
  const interval = options.intervalMs ?? 250;
  const reportEvery = options.reportEveryMs ?? DEFAULT_REPORT_EVERY_MS;
  let nextReport = startedAt + reportEvery;
  let last = 'no answer yet';
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(Math.min(5_000, Math.max(1, deadline - Date.now()))),
      });
      const body = await response.text();
      if (response.status === 200) return;
      last = describeAnswer(response.status, body);
    } catch (error) {
      last = describe(error);
    }
    if (Date.now() + interval > deadline) {
      throw new Error(
        `${url} did not answer 200 within ${Math.round(options.timeoutMs / 1000)} s (last: ${last})`,
      );
    }
    if (options.onStillWaiting && Date.now() >= nextReport) {
      options.onStillWaiting(last, Date.now() - startedAt);
      nextReport = Date.now() + reportEvery;
    }
    await sleep(interval, undefined, options.signal ? { signal: options.signal } : {});
  }
}

/**
 * A report callback for `onStillWaiting` that logs one line, e.g.
 * `[stack] waiting for recommendation-service to be ready (20 s so far): HTTP 503 Not ready:
 * vector_store unavailable`.
 */
export function reportWaiting(
  log: (line: string) => void,
  serviceName: string,
  state: 'healthy' | 'ready',
): (last: string, waitedMs: number) => void {
  return (last, waitedMs) =>
    log(
      `[stack] waiting for ${serviceName} to be ${state} (${Math.round(waitedMs / 1000)} s so far): ${last}`,
    );
}

/**
 * A non-200 answer in a line: the service-kit shape when the body has it (`detail`, which on
 * /readyz names the failing checks, else the failing `checks` themselves), else the start of
 * the body.
 */
function describeAnswer(status: number, body: string): string {
  const { detail, checks } = parseObject(body);
  if (typeof detail === 'string') return `HTTP ${status} ${detail}`;
  if (typeof checks === 'object' && checks !== null) {
    const failing = Object.entries(checks).filter(([, state]) => state !== 'ok');
    return `HTTP ${status} failing checks: ${failing.map(([name, state]) => `${name} ${String(state)}`).join(', ')}`;
  }
  return `HTTP ${status} ${body.slice(0, 300)}`;
}

function parseObject(body: string): { detail?: unknown; checks?: unknown } {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
