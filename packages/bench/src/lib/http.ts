import { setTimeout as sleep } from 'node:timers/promises';

export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    url: string,
  ) {
    super(`${status} from ${url}: ${body.slice(0, 300)}`);
  }
}

/**
 * JSON over HTTP. Retries only on a 503 or a connection error (a service busy or restarting);
 * POSTs are retried too because the benchmark creates each thing once and checks conflicts.
 */
export async function requestJson<T>(
  url: string,
  init: { method?: string; body?: unknown } = {},
  retries = 5,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, {
        method: init.method ?? 'GET',
        headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    } catch (error) {
      if (attempt >= retries) throw error;
      await sleep(200 * 2 ** attempt);
      continue;
    }
    const text = await response.text();
    if (response.ok) return (text ? JSON.parse(text) : undefined) as T;
    if (response.status === 503 && attempt < retries) {
      await sleep(200 * 2 ** attempt);
      continue;
    }
    throw new HttpStatusError(response.status, text, url);
  }
}

/** Polls `check` until it returns true; throws after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 1_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A service's gauge from its /metrics (the first sample of that name; 0 when absent). */
export async function gauge(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}
