import { TOKEN } from './stack.js';

/** One answer as a fault test looks at it: the raw body (checked for leaks) and how long it took. */
export interface Answer {
  status: number;
  body: string;
  ms: number;
}

export async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const started = Date.now();
  const response = await fetch(url, init);
  return { status: response.status, body: await response.text(), ms: Date.now() - started };
}

/** A JSON request carrying the internal service token (the reliability stack sets one). */
export const send = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
  body: JSON.stringify(body),
});

/** A JSON request and its parsed JSON answer (`{}` for an empty one), as loosely typed as JSON.parse's. */
export async function callJson(
  url: string,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; body: ReturnType<typeof JSON.parse> }> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}
