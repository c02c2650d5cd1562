import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { publicErrorMessage, UpstreamStatusError } from '@ecom/service-kit';
import type { FastifyBaseLogger } from 'fastify';
import type { RecommendationClient } from '../clients/recommendation-client.js';
import type { OutboxRepository, ProductPayload } from '../repositories/outbox-repository.js';
import type { OutboxSignal } from './signal.js';

export interface DispatcherOptions {
  outbox: OutboxRepository;
  client: RecommendationClient;
  signal: OutboxSignal;
  log: FastifyBaseLogger;
  /** Products per batch upsert call. */
  batchSize: number;
  pollIntervalMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  /** How long one call may take: the lease outlives it. */
  callTimeoutMs: number;
  /** An embedded database belongs to this process alone: take the lease over at once. */
  exclusiveDatabase: boolean;
}

export interface DispatcherStats {
  running: boolean;
  leader: boolean;
  delivered: number;
  lastDeliveredAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  consecutiveFailures: number;
  retryAt: Date | null;
}

/** One product to deliver and the outbox jobs its delivery settles. */
interface Delivery {
  productId: number;
  jobIds: number[];
  /** Current state; null when the product no longer exists (delete its vector). */
  payload: ProductPayload | null;
}

const DELETE_BATCH = 1_000;
/** Customer ids per "customers changed" call (a small JSON body even at the maximum). */
const CUSTOMER_BATCH = 1_000;
const PROGRESS_EVERY_MS = 5_000;

type Outcome = 'idle' | 'more' | 'failed';

class LeaseLost extends Error {}

/** The receiver cannot take deliveries now (down, timing out, 5xx, refusing our token). */
class ReceiverUnavailable extends Error {}

/**
 * Delivers outbox jobs to recommendation-service. One dispatcher per database holds a lease;
 * it reads due jobs in id order, coalesces them per product, reads each product's current
 * state and sends upserts (one product through vectorize_product, more as a batch) and deletes. Jobs are
 * deleted only after a 2xx, so a crash or restart re-sends instead of losing anything, and
 * since only the current state is ever sent, one at a time, a product's last write wins.
 */
export class OutboxDispatcher {
  private readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly stopController = new AbortController();
  private readonly leaseTtlMs: number;
  private loopPromise: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private leader = false;
  private tookOver = false;
  private failures = 0;
  private retryAt = 0;
  private lastProgressLog = 0;
  private lastFailureLog = 0;
  private backlogStartedAt: number | null = null;
  private deliveredInBacklog = 0;
  /** Job ids settled in the current round (delivered, or parked as rejected). */
  private readonly settled = new Set<number>();
  /** Customer-change job ids settled in the current round. */
  private readonly settledCustomers = new Set<number>();
  private readonly stats = {
    delivered: 0,
    lastDeliveredAt: null as Date | null,
    lastError: null as string | null,
    lastErrorAt: null as Date | null,
  };

  constructor(private readonly options: DispatcherOptions) {
    this.leaseTtlMs = options.callTimeoutMs + 15_000;
  }

  start(): void {
    if (this.loopPromise) return;
    this.unsubscribe = this.options.signal.subscribe(() => this.wake());
    this.loopPromise = this.loop();
  }

  /** Stops after aborting any call in flight; its jobs stay queued for the next start. */
  async close(): Promise<void> {
    if (!this.loopPromise) return;
    this.stopController.abort();
    this.wake();
    await this.loopPromise;
    this.loopPromise = null;
    this.unsubscribe?.();
    if (this.leader) {
      await this.options.outbox.releaseLease(this.holder).catch((err: unknown) => {
        this.options.log.warn({ err }, 'outbox: could not release the dispatcher lease');
      });
      this.leader = false;
    }
  }

  status(): DispatcherStats {
    return {
      running: this.loopPromise !== null,
      leader: this.leader,
      ...this.stats,
      consecutiveFailures: this.failures,
      retryAt: this.failures > 0 ? new Date(this.retryAt) : null,
    };
  }

  private get stopping(): boolean {
    return this.stopController.signal.aborted;
  }

  private wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let outcome: Outcome;
      try {
        outcome = await this.runOnce();
      } catch (error) {
        if (this.stopping) break;
        this.recordFailure(error);
        outcome = 'failed';
      }
      if (outcome === 'failed') {
        // Backing off: new writes do not cut the wait short.
        await this.pause(Math.max(0, this.retryAt - Date.now()), false);
      } else if (outcome === 'idle') {
        await this.pause(this.options.pollIntervalMs, true);
      }
    }
  }

  private async pause(ms: number, interruptible: boolean): Promise<void> {
    if (ms <= 0 || this.stopping) return;
    if (interruptible && this.woken) return;
    const timer = new AbortController();
    this.wakeUp = interruptible ? () => timer.abort() : null;
    try {
      await sleep(ms, undefined, { signal: AbortSignal.any([timer.signal, this.stopController.signal]) });
    } catch {
      // woken up or stopping
    } finally {
      this.wakeUp = null;
    }
  }

  /** One round: 'more' when it delivered something (look again at once). */
  private async runOnce(): Promise<Outcome> {
    if (!(await this.holdLease())) return 'idle';
    // A write notified after this point is read by the query below or by the next round.
    this.woken = false;
    const limit = this.options.batchSize * 4;
    const jobs = await this.options.outbox.due(limit);
    const customerJobs = await this.options.outbox.dueCustomerChanges(CUSTOMER_BATCH);
    if (jobs.length === 0 && customerJobs.length === 0) {
      this.finishBacklog();
      return 'idle';
    }
    const deliveries = await this.plan(jobs);
    await this.logProgress(jobs.length >= limit);
    const upserts = deliveries.filter((delivery) => delivery.payload !== null);
    const deletes = deliveries.filter((delivery) => delivery.payload === null);
    try {
      // Customer changes first: one small call, and until it arrives recommendation-service
      // answers a customer's first request from its copy, which lacks the new purchase.
      // Product batches (embedding) can take seconds.
      await this.deliverCustomerChanges(customerJobs);
      for (const chunk of chunks(upserts, this.options.batchSize)) await this.deliver(chunk, 'upsert');
      for (const chunk of chunks(deletes, DELETE_BATCH)) await this.deliver(chunk, 'delete');
    } catch (error) {
      if (error instanceof ReceiverUnavailable && !this.stopping) {
        const delay = this.recordFailure(error);
        await this.options.outbox.failCustomerChanges(
          customerJobs.filter((job) => !this.settledCustomers.has(job.id)).map((job) => job.id),
          delay,
        );
        this.settledCustomers.clear();
        const undelivered = deliveries.filter(
          (delivery) => !delivery.jobIds.every((id) => this.settled.has(id)),
        );
        await this.options.outbox.fail(
          undelivered.flatMap((delivery) => delivery.jobIds),
          describe(error.cause ?? error),
          delay,
        );
        this.settled.clear();
        return 'failed';
      }
      this.settled.clear();
      this.settledCustomers.clear();
      throw error;
    }
    this.settled.clear();
    this.settledCustomers.clear();
    if (this.failures > 0) {
      this.options.log.info({ failures: this.failures }, 'outbox: recommendation-service reachable again');
      this.failures = 0;
    }
    return 'more';
  }

  private async plan(jobs: { id: number; productId: number }[]): Promise<Delivery[]> {
    const byProduct = new Map<number, number[]>();
    for (const job of jobs) {
      const ids = byProduct.get(job.productId);
      if (ids) ids.push(job.id);
      else byProduct.set(job.productId, [job.id]);
    }
    // Read after the jobs: every job read was committed with its product change, so the
    // state read now is at least as new as what each job announces.
    const states = await this.options.outbox.currentState([...byProduct.keys()]);
    return [...byProduct].map(([productId, jobIds]) => ({
      productId,
      jobIds,
      payload: states.get(productId) ?? null,
    }));
  }

  private async deliver(items: Delivery[], kind: 'upsert' | 'delete'): Promise<void> {
    if (items.length === 0) return;
    if (!(await this.holdLease())) throw new LeaseLost('outbox: dispatcher lease lost');
    const signal = this.stopController.signal;
    try {
      if (kind === 'delete') {
        await this.options.client.deleteBatch(
          items.map((item) => item.productId),
          signal,
        );
      } else if (items.length === 1) {
        await this.options.client.vectorize(items[0]!.payload!, signal);
      } else {
        await this.options.client.upsertBatch(
          items.map((item) => item.payload!),
          signal,
        );
      }
    } catch (error) {
      if (this.stopping) throw error;
      if (isRejection(error)) {
        if (items.length > 1) {
          // Find the product(s) the receiver will not take; deliver the others.
          const middle = Math.ceil(items.length / 2);
          await this.deliver(items.slice(0, middle), kind);
          await this.deliver(items.slice(middle), kind);
          return;
        }
        await this.park(items[0]!, error);
        return;
      }
      throw new ReceiverUnavailable(describe(error), { cause: error });
    }
    const jobIds = items.flatMap((item) => item.jobIds);
    await this.options.outbox.complete(jobIds);
    for (const id of jobIds) this.settled.add(id);
    this.stats.delivered += items.length;
    this.stats.lastDeliveredAt = new Date();
    this.deliveredInBacklog += items.length;
  }

  /**
   * Tells recommendation-service which customers' purchases changed, so it drops its cached
   * copies of their histories (the freshness promise, README). A receiver refusing the content
   * has nothing to drop: the jobs are settled, not retried forever.
   */
  private async deliverCustomerChanges(jobs: { id: number; customerId: number }[]): Promise<void> {
    if (jobs.length === 0) return;
    if (!(await this.holdLease())) throw new LeaseLost('outbox: dispatcher lease lost');
    const customerIds = [...new Set(jobs.map((job) => job.customerId))];
    try {
      await this.options.client.customersChanged(customerIds, this.stopController.signal);
    } catch (error) {
      if (this.stopping) throw error;
      if (!isRejection(error)) {
        throw new ReceiverUnavailable(describe(error), { cause: error });
      }
      this.options.log.warn({ err: error }, `outbox: customer changes not taken: ${describe(error)}`);
    }
    const jobIds = jobs.map((job) => job.id);
    await this.options.outbox.completeCustomerChanges(jobIds);
    for (const id of jobIds) this.settledCustomers.add(id);
  }

  /** A product the receiver rejects stays queued and is retried on its own, slowly. */
  private async park(item: Delivery, error: unknown): Promise<void> {
    const message = describe(error);
    this.options.log.error({ productId: item.productId, err: error }, `outbox: product rejected: ${message}`);
    this.noteError(message);
    await this.options.outbox.fail(item.jobIds, message, this.options.maxBackoffMs);
    for (const id of item.jobIds) this.settled.add(id);
  }

  private async holdLease(): Promise<boolean> {
    const force = this.options.exclusiveDatabase && !this.tookOver;
    const held = await this.options.outbox.acquireLease(this.holder, this.leaseTtlMs, force);
    if (held) this.tookOver = true;
    if (held !== this.leader) {
      this.options.log.info(
        { holder: this.holder },
        held ? 'outbox: dispatching' : 'outbox: another dispatcher is active',
      );
      this.leader = held;
    }
    return held;
  }

  /** Exponential backoff with jitter, capped; returns the delay before the next round. */
  private recordFailure(error: unknown): number {
    this.failures += 1;
    const { minBackoffMs, maxBackoffMs } = this.options;
    const base = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(this.failures - 1, 30));
    const delay = Math.round(base * (0.8 + Math.random() * 0.2));
    this.retryAt = Date.now() + delay;
    const message = describe(error);
    this.noteError(message);
    // Log the first failures, then once a minute: a long outage must not flood the log.
    const now = Date.now();
    if (this.failures <= 3 || now - this.lastFailureLog >= 60_000) {
      this.lastFailureLog = now;
      const err = error instanceof ReceiverUnavailable || error instanceof LeaseLost ? undefined : error;
      this.options.log.warn(
        { failures: this.failures, retryInMs: delay, ...(err ? { err } : {}) },
        `outbox: delivery failed: ${message}`,
      );
    }
    return delay;
  }

  private noteError(message: string): void {
    this.stats.lastError = message;
    this.stats.lastErrorAt = new Date();
  }

  private async logProgress(full: boolean): Promise<void> {
    if (!full) return;
    const now = Date.now();
    if (this.backlogStartedAt === null) {
      this.backlogStartedAt = now;
      this.deliveredInBacklog = 0;
    }
    if (now - this.lastProgressLog < PROGRESS_EVERY_MS) return;
    this.lastProgressLog = now;
    const backlog = await this.options.outbox.backlog();
    this.options.log.info(
      { pendingJobs: backlog.rows, pendingProducts: backlog.products, delivered: this.deliveredInBacklog },
      'outbox: delivering a backlog',
    );
  }

  private finishBacklog(): void {
    if (this.backlogStartedAt === null) return;
    const seconds = (Date.now() - this.backlogStartedAt) / 1000;
    this.options.log.info({ delivered: this.deliveredInBacklog, seconds }, 'outbox: backlog delivered');
    this.backlogStartedAt = null;
  }
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

function statusOf(error: unknown): number | undefined {
  return error instanceof UpstreamStatusError ? error.upstreamStatus : undefined;
}

/** The receiver understood the call and refuses this content: retrying it as is will not help. */
function isRejection(error: unknown): boolean {
  const status = statusOf(error);
  return status === 400 || status === 413 || status === 422;
}

/** Shown in `GET /outbox/status` and stored with the jobs: never a driver's message. */
function describe(error: unknown): string {
  if (error instanceof UpstreamStatusError) {
    const detail = (error.upstreamDetail as { detail?: unknown } | undefined)?.detail;
    const text = typeof detail === 'string' ? detail : detail === undefined ? '' : JSON.stringify(detail);
    return text ? `${error.detail}: ${text.slice(0, 300)}` : error.detail;
  }
  if (error instanceof ReceiverUnavailable || error instanceof LeaseLost) return error.message;
  return publicErrorMessage(error);
}
