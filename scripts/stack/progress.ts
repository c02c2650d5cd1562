import { setTimeout as sleep } from 'node:timers/promises';

export interface ProgressOptions {
  catalogUrl: string;
  recommendationUrl: string;
  log: (line: string) => void;
  signal: AbortSignal;
  /** Request id prefix, so the services' logs of these polls can be told apart. */
  requestId: string;
  intervalMs?: number;
  /** Gives up reporting after this long; the services carry on regardless. */
  timeoutMs?: number;
}

/** Consecutive failed polls (an endpoint missing, a service gone) before reporting stops. */
const MAX_FAILURES = 5;

interface Snapshot {
  vectors: number;
  products: number | undefined;
  pending: number | undefined;
  /**
   * The catalog's outbox does not deliver (OUTBOX_ENABLED=false): its pending jobs stay pending,
   * and the vectors come from recommendation-service's re-index instead.
   */
  deliveryOff: boolean;
  /** Why the catalog's last delivery failed, while it still has work pending. */
  deliveryError: string | undefined;
}

/**
 * Reports how far the catalog's products have been vectorised, from what the services
 * publish: the catalog's `GET /outbox/status` (outbox jobs still pending, or delivery off) and
 * product count (`X-Total-Count` of `GET /products/`), and the recommendation service's
 * `GET /recommendation/info` (vectors stored). Prints a line whenever a number changes and
 * returns once every product has its vector and nothing is pending (or the outbox is off, and
 * so never delivers what it holds). Only reads: the services import and vectorise by themselves.
 */
export async function reportVectorisation(options: ProgressOptions): Promise<void> {
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 600_000);
  let last = '';
  let polls = 0;
  let failures = 0;
  while (!options.signal.aborted && Date.now() < deadline) {
    polls += 1;
    const snapshot = await readSnapshot(options, `${options.requestId}-${polls}`).catch((error: unknown) => {
      return error instanceof Error ? error.message : String(error);
    });
    if (typeof snapshot === 'string') {
      failures += 1;
      if (failures >= MAX_FAILURES) {
        options.log(`progress unavailable (${snapshot}); the services carry on without it`);
        return;
      }
    } else {
      failures = 0;
      const line = describe(snapshot);
      if (line !== last) {
        options.log(line);
        last = line;
      }
      if (isComplete(snapshot)) {
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        options.log(
          `all ${snapshot.products} products vectorised (${seconds} s after the services were ready)`,
        );
        return;
      }
    }
    await sleep(options.intervalMs ?? 1_000, undefined, { signal: options.signal }).catch(() => {});
  }
}

function isComplete(snapshot: Snapshot): boolean {
  const delivered = snapshot.pending === 0 || snapshot.deliveryOff;
  return delivered && snapshot.products !== undefined && snapshot.vectors >= snapshot.products;
}

function describe(snapshot: Snapshot): string {
  const total = snapshot.products === undefined ? '?' : String(snapshot.products);
  return `vectorised ${snapshot.vectors}/${total} products${describeOutbox(snapshot)}`;
}

function describeOutbox(snapshot: Snapshot): string {
  if (snapshot.deliveryOff) return " (catalog-service's outbox is off: OUTBOX_ENABLED=false)";
  if (snapshot.pending === undefined) return '';
  const error = snapshot.deliveryError ? `; last delivery error: ${snapshot.deliveryError}` : '';
  return ` (${snapshot.pending} outbox jobs pending${error})`;
}

async function readSnapshot(options: ProgressOptions, requestId: string): Promise<Snapshot> {
  const [outbox, info, products] = await Promise.all([
    getJson(`${options.catalogUrl}/outbox/status`, requestId),
    getJson(`${options.recommendationUrl}/recommendation/info`, requestId),
    fetch(`${options.catalogUrl}/products/?limit=1`, {
      headers: { 'x-request-id': requestId },
      signal: AbortSignal.timeout(5_000),
    }),
  ]);
  await products.body?.cancel();
  const vectors = find(info.body, /^(vector_?count|vectors|count|num_?entities|row_?count)$/i, 'number');
  if (vectors === undefined) {
    throw new Error('GET /recommendation/info has no vector count');
  }
  const total = Number(products.headers.get('x-total-count') ?? Number.NaN);
  const pending = find(outbox.body, /^(pending|pending_?jobs|jobs_?pending)$/i, 'number');
  return {
    vectors,
    products: Number.isInteger(total) ? total : undefined,
    pending,
    deliveryOff: find(outbox.body, /^enabled$/i, 'boolean') === false,
    deliveryError: pending ? find(outbox.body, /^last_?error$/i, 'string') : undefined,
  };
}

async function getJson(url: string, requestId: string): Promise<{ body: unknown }> {
  const response = await fetch(url, {
    headers: { 'x-request-id': requestId },
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`GET ${new URL(url).pathname} answered ${response.status}`);
  }
  return { body: await response.json() };
}

type Found = { number: number; string: string; boolean: boolean };

/** The first value of type `type` under a key matching `key`, searching nested objects breadth first. */
export function find<Type extends keyof Found>(
  value: unknown,
  key: RegExp,
  type: Type,
): Found[Type] | undefined {
  const queue: unknown[] = [value];
  while (queue.length > 0) {
    const current = queue.shift();
    if (current === null || typeof current !== 'object' || Array.isArray(current)) continue;
    for (const [name, child] of Object.entries(current)) {
      if (key.test(name) && typeof child === type) return child as Found[Type];
      if (child !== null && typeof child === 'object') queue.push(child);
    }
  }
  return undefined;
}
