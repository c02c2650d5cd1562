import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { causes, JsonClient, OutageLog, publicErrorMessage, UpstreamStatusError } from '@ecom/service-kit';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { DueProduct, OutboxRepository } from '../repositories/outbox-repository.js';

interface Delivery extends DueProduct {
  /** Delivered, or parked as rejected, in this round. */
  settled?: boolean;
}

/** Product deletes, and customer ids (a small JSON body even so), per call. */
const DELETE_BATCH = 1_000;
const PROGRESS_EVERY_MS = 5_000;
/** A readiness probe while the receiver is down (backOff). */
const PROBE_TIMEOUT_MS = 2_000;
/** While the receiver refuses our token: the ERROR that names the fix is repeated this often. */
const TOKEN_REFUSED_REMINDER_MS = 5 * 60_000;

type Outcome = 'idle' | 'more' | 'failed';

class LeaseLost extends Error {}

/** The receiver cannot take deliveries now (down, timing out, 5xx, refusing our token). */
class ReceiverUnavailable extends Error {}

/** 401/403: the two services' INTERNAL_API_TOKEN differ, a configuration error (docs/internal-api.md). */
class TokenRefused extends ReceiverUnavailable {}

/**
 * Delivers outbox jobs to recommendation-service: each due product's current state, by the
 * dispatcher holding the database's lease; jobs deleted only after a 2xx (catalog-service
 * README, "Keeping recommendation vectors in step").
 */
export class OutboxDispatcher {
  private readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly stopController = new AbortController();
  private readonly http: JsonClient;
  private loopPromise: Promise<void> | null = null;
  /** Aborted by wake(); a new one when a round starts reading. */
  private woken = new AbortController();
  private leader = false;
  private tookOver = false;
  private failures = 0;
  private retryAt = 0;
  /** The last failure found nobody listening at the receiver's address: probe it while backing off. */
  private probeWhileBackingOff = false;
  private lastProgressLog = 0;
  private lastFailureLog = 0;
  /** Why the current run of failed rounds fails (`GET /outbox/status`, `failure`); null once one succeeds. */
  private failure: 'token_refused' | 'outage' | null = null;
  private readonly tokenRefusals = new OutageLog(TOKEN_REFUSED_REMINDER_MS);
  /** While a backlog is delivered: when it started, and `stats.delivered` then. */
  private backlog: { startedAt: number; delivered: number } | null = null;
  private readonly stats = {
    delivered: 0,
    lastDeliveredAt: null as Date | null,
    lastError: null as string | null,
    lastErrorAt: null as Date | null,
  };

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly log: FastifyBaseLogger,
    private readonly config: Config,
    /** An embedded database belongs to this process alone: take the lease over at once. */
    private readonly exclusiveDatabase: boolean,
  ) {
    this.http = new JsonClient({
      name: 'recommendation-service',
      baseUrl: config.RECOMMENDATION_SERVICE_URL,
      timeoutMs: config.RECOMMENDATION_SERVICE_TIMEOUT_MS,
      retries: 0, // the loop retries with its own backoff and keeps the jobs until acknowledged
      connections: 4,
      headers: config.INTERNAL_API_TOKEN ? { authorization: `Bearer ${config.INTERNAL_API_TOKEN}` } : {},
    });
  }

  start(): void {
    this.loopPromise ??= this.loop();
  }

  /** Stops after aborting any call in flight; its jobs stay queued for the next start. */
  async close(): Promise<void> {
    this.stopController.abort();
    await this.loopPromise;
    if (this.leader) {
      await this.outbox.releaseLease(this.holder).catch((err: unknown) => {
        this.log.warn({ err }, 'outbox: could not release the dispatcher lease');
      });
      this.leader = false;
    }
    await this.http.close();
  }

  status() {
    return {
      leader: this.leader,
      ...this.stats,
      consecutiveFailures: this.failures,
      failure: this.failure,
      retryAt: this.retryAt > 0 ? new Date(this.retryAt) : null,
    };
  }

  private get stopping(): boolean {
    return this.stopController.signal.aborted;
  }

  /** A write committed: deliver now instead of at the next poll. */
  wake(): void {
    this.woken.abort();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const outcome = await this.runOnce().catch((error: unknown): Outcome => {
        if (!this.stopping) this.recordFailure(error);
        return 'failed';
      });
      if (outcome === 'failed') await this.backOff();
      else if (outcome === 'idle') await this.pause(this.config.OUTBOX_POLL_INTERVAL_MS, this.woken.signal);
    }
  }

  /**
   * Waits until `retryAt` (new writes do not cut it short). After nobody listened at the
   * receiver's address, its `GET /readyz` is asked every poll interval and a 2xx ends the wait;
   * a receiver that answered or timed out is not probed (README, outbox "Failures").
   */
  private async backOff(): Promise<void> {
    const every = this.config.OUTBOX_POLL_INTERVAL_MS;
    if (!this.probeWhileBackingOff) return this.pause(this.retryAt - Date.now());
    while (this.retryAt - Date.now() > every) {
      await this.pause(every);
      if (this.stopping || (await this.receiverReady())) return;
    }
    await this.pause(this.retryAt - Date.now());
  }

  private async receiverReady(): Promise<boolean> {
    const deadline = AbortSignal.timeout(PROBE_TIMEOUT_MS);
    try {
      await this.http.get('/readyz', { signal: AbortSignal.any([this.stopController.signal, deadline]) });
      return true;
    } catch {
      return false; // still down, or up and not ready yet (503): keep waiting
    }
  }

  /** Until `ms` pass, the dispatcher stops or one of `wakers` is aborted. */
  private async pause(ms: number, ...wakers: AbortSignal[]): Promise<void> {
    if (ms <= 0) return;
    const signal = AbortSignal.any([this.stopController.signal, ...wakers]);
    await sleep(ms, undefined, { signal }).catch(() => {}); // woken up or stopping
  }

  /** One round: 'more' when it delivered something (look again at once). */
  private async runOnce(): Promise<Outcome> {
    // A write notified after this point is read by the query below or by the next round. Renewed
    // before the lease too, or a follower woken by a write would not pause at all.
    this.woken = new AbortController();
    if (!(await this.holdLease())) return 'idle';
    const limit = this.config.OUTBOX_BATCH_SIZE * 4;
    const deliveries: Delivery[] = await this.outbox.due(limit);
    const customerJobs = await this.outbox.dueCustomerChanges(DELETE_BATCH);
    if (deliveries.length === 0 && customerJobs.length === 0) {
      this.finishBacklog();
      return 'idle';
    }
    if (deliveries.reduce((jobs, delivery) => jobs + delivery.jobIds.length, 0) >= limit)
      await this.logProgress();
    let undeliveredCustomerJobs = customerJobs.map((job) => job.id);
    try {
      // Customer changes first: one small call, and until it arrives recommendation-service
      // answers a customer's first request from its copy, which lacks the new purchase.
      // Product batches (embedding) can take seconds.
      await this.deliverCustomerChanges(customerJobs);
      undeliveredCustomerJobs = [];
      const upserts = deliveries.filter((delivery) => delivery.payload !== null);
      for (const chunk of chunks(upserts, this.config.OUTBOX_BATCH_SIZE)) await this.deliver(chunk);
      const deletes = deliveries.filter((delivery) => delivery.payload === null);
      for (const chunk of chunks(deletes, DELETE_BATCH)) await this.deliver(chunk);
    } catch (error) {
      if (!(error instanceof ReceiverUnavailable) || this.stopping) throw error;
      this.recordFailure(error);
      // The jobs stay due: the backoff (loop) holds them back, and a probe may end it early.
      await this.outbox.failCustomerChanges(undeliveredCustomerJobs);
      const undelivered = deliveries.flatMap((delivery) => (delivery.settled ? [] : delivery.jobIds));
      await this.outbox.fail(undelivered, error.message);
      return 'failed';
    }
    if (this.failures > 0) {
      const message =
        this.failure === 'token_refused'
          ? 'outbox: recommendation-service accepts the token again'
          : 'outbox: recommendation-service reachable again';
      this.log.info({ failures: this.failures }, message);
      this.failures = 0;
      this.failure = null;
      this.tokenRefusals.succeeded();
    }
    this.retryAt = 0;
    return 'more';
  }

  /** Items of one kind: all upserts or all deletes. */
  private async deliver(items: Delivery[]): Promise<void> {
    const [first] = items as [Delivery];
    try {
      if (first.payload === null) {
        await this.post('/recommendation/products/delete', {
          product_ids: items.map((item) => item.productId),
        });
      } else {
        await this.post('/recommendation/products/batch', { products: items.map((item) => item.payload) });
      }
    } catch (error) {
      if (!isRejection(error) || this.stopping) throw error;
      if (items.length > 1) {
        // Find the product(s) the receiver will not take; deliver the others.
        const middle = Math.ceil(items.length / 2);
        await this.deliver(items.slice(0, middle));
        await this.deliver(items.slice(middle));
      } else {
        await this.park(first, error);
      }
      return;
    }
    await this.outbox.complete(items.flatMap((item) => item.jobIds));
    for (const item of items) item.settled = true;
    this.stats.delivered += items.length;
    this.stats.lastDeliveredAt = new Date();
  }

  /** Whose purchases changed (docs/internal-api.md); a refused call has nothing to drop: settled. */
  private async deliverCustomerChanges(jobs: { id: number; customerId: number }[]): Promise<void> {
    if (jobs.length === 0) return;
    try {
      const customerIds = [...new Set(jobs.map((job) => job.customerId))];
      await this.post('/recommendation/customers/changed', { customer_ids: customerIds });
    } catch (error) {
      if (!isRejection(error) || this.stopping) throw error;
      this.log.warn({ err: error }, `outbox: customer changes not taken: ${describe(error)}`);
    }
    const jobIds = jobs.map((job) => job.id);
    await this.outbox.complete(jobIds, 'customer_outbox');
  }

  /** Throws a rejection (isRejection) as it is, any other failure as ReceiverUnavailable. */
  private async post(path: string, body: unknown): Promise<void> {
    if (!(await this.holdLease())) throw new LeaseLost('outbox: dispatcher lease lost');
    try {
      await this.http.post(path, body, { signal: this.stopController.signal, caller: { id: randomUUID() } });
    } catch (error) {
      if (this.stopping || isRejection(error)) throw error;
      if (refusesToken(error)) throw new TokenRefused(this.tokenRefusedMessage(error), { cause: error });
      throw new ReceiverUnavailable(describe(error), { cause: error });
    }
  }

  /** A product the receiver rejects stays queued and is retried on its own, slowly. */
  private async park(item: Delivery, error: unknown): Promise<void> {
    const message = this.noteError(error);
    this.log.error({ productId: item.productId, err: error }, `outbox: product rejected: ${message}`);
    await this.outbox.fail(item.jobIds, message, this.config.OUTBOX_MAX_BACKOFF_MS);
    item.settled = true;
  }

  private async holdLease(): Promise<boolean> {
    // The lease outlives one call.
    const ttlMs = this.config.RECOMMENDATION_SERVICE_TIMEOUT_MS + 15_000;
    const held = await this.outbox.acquireLease(this.holder, ttlMs, this.exclusiveDatabase && !this.tookOver);
    if (held) this.tookOver = true;
    if (held !== this.leader) {
      const message = held ? 'outbox: dispatching' : 'outbox: another dispatcher is active';
      this.log.info({ holder: this.holder }, message);
      this.leader = held;
    }
    return held;
  }

  /**
   * Sets when the next round starts (backOff): an outage backs off exponentially with jitter; a
   * refused token, which only an operator can fix, waits the cap at once.
   */
  private recordFailure(error: unknown): void {
    // A 503 with Retry-After (recommendation-service loading at start-up, or its database busy)
    // says when to come back: waited as told (a 0 as a poll interval, so it cannot spin; at most
    // the backoff's cap), and not counted as a failure.
    const askedSeconds = upstreamError(error)?.retryAfterSeconds;
    if (askedSeconds !== undefined) {
      const { OUTBOX_POLL_INTERVAL_MS: least, OUTBOX_MAX_BACKOFF_MS: most } = this.config;
      this.retryAt = Date.now() + Math.min(Math.max(askedSeconds * 1000, least), most);
      this.probeWhileBackingOff = false;
      this.noteError(error);
      return;
    }
    this.failures += 1;
    const tokenRefused = error instanceof TokenRefused;
    const retryInMs = tokenRefused ? this.config.OUTBOX_MAX_BACKOFF_MS : this.outageDelay();
    this.retryAt = Date.now() + retryInMs;
    this.probeWhileBackingOff = nothingListens(error);
    this.failure = tokenRefused ? 'token_refused' : 'outage';
    const message = this.noteError(error);
    const fields = { failures: this.failures, retryInMs };
    if (tokenRefused) {
      // An ERROR at the start of a run of refusals, then a reminder: one per retry would bury it.
      if (this.tokenRefusals.failed()) this.log.error(fields, `outbox: deliveries stopped: ${message}`);
      return;
    }
    this.tokenRefusals.succeeded(); // an outage ends a run of refusals: the next one is told again
    // The first failures, then one a minute: a long outage must not flood the log.
    const now = Date.now();
    if (this.failures > 3 && now - this.lastFailureLog < 60_000) return;
    this.lastFailureLog = now;
    const err = error instanceof ReceiverUnavailable || error instanceof LeaseLost ? undefined : error;
    this.log.warn({ ...fields, ...(err ? { err } : {}) }, `outbox: delivery failed: ${message}`);
  }

  private outageDelay(): number {
    const { OUTBOX_MIN_BACKOFF_MS: min, OUTBOX_MAX_BACKOFF_MS: max } = this.config;
    return Math.round(
      Math.min(max, min * 2 ** Math.min(this.failures - 1, 30)) * (0.8 + Math.random() * 0.2),
    );
  }

  /** What `last_error` says while the receiver refuses our token: what happened and the fix. */
  private tokenRefusedMessage(error: unknown): string {
    const ours = this.config.INTERNAL_API_TOKEN ? '' : " (catalog-service's is unset)";
    return (
      `${describe(error)}: a configuration error, not an outage: both services' ` +
      `INTERNAL_API_TOKEN must match${ours} (docs/internal-api.md); retried every ` +
      `${this.config.OUTBOX_MAX_BACKOFF_MS / 1000} s, delivery resumes once they do`
    );
  }

  private noteError(error: unknown): string {
    this.stats.lastError = describe(error);
    this.stats.lastErrorAt = new Date();
    return this.stats.lastError;
  }

  private async logProgress(): Promise<void> {
    const now = Date.now();
    this.backlog ??= { startedAt: now, delivered: this.stats.delivered };
    if (now - this.lastProgressLog < PROGRESS_EVERY_MS) return;
    this.lastProgressLog = now;
    const { rows, products } = await this.outbox.backlog();
    const delivered = this.stats.delivered - this.backlog.delivered;
    this.log.info(
      { pendingJobs: rows, pendingProducts: products, delivered },
      'outbox: delivering a backlog',
    );
  }

  private finishBacklog(): void {
    if (this.backlog === null) return;
    const seconds = (Date.now() - this.backlog.startedAt) / 1000;
    const delivered = this.stats.delivered - this.backlog.delivered;
    this.log.info({ delivered, seconds }, 'outbox: backlog delivered');
    this.backlog = null;
  }
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

/** Connection refused or no such host: nobody listens at the receiver's address. */
function nothingListens(error: unknown): boolean {
  // A reset is left out: it may come from a receiver that took the call and crashed on it.
  return causes(error).some(({ code }) => code === 'ECONNREFUSED' || code === 'ENOTFOUND');
}

function upstreamError(error: unknown): UpstreamStatusError | undefined {
  return causes(error).find((cause) => cause instanceof UpstreamStatusError);
}

/** 401/403: the receiver does not accept our token (docs/internal-api.md). */
function refusesToken(error: unknown): boolean {
  return error instanceof UpstreamStatusError && [401, 403].includes(error.upstreamStatus);
}

/** The receiver understood the call and refuses this content: retrying it as is will not help. */
function isRejection(error: unknown): boolean {
  return error instanceof UpstreamStatusError && [400, 413, 422].includes(error.upstreamStatus);
}

/** Shown in `GET /outbox/status` and stored with the jobs: never a driver's message. */
function describe(error: unknown): string {
  if (error instanceof UpstreamStatusError) {
    const detail = (error.upstreamDetail as { detail?: unknown } | undefined)?.detail;
    const text = typeof detail === 'string' ? detail : detail === undefined ? '' : JSON.stringify(detail);
    return text ? `${error.upstream} answered ${error.upstreamStatus}: ${text.slice(0, 300)}` : error.detail;
  }
  if (error instanceof ReceiverUnavailable || error instanceof LeaseLost) return error.message;
  return publicErrorMessage(error);
}
