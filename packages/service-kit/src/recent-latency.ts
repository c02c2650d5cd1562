import type { Histogram } from 'prom-client';
import { HTTP_DURATION_BUCKETS } from './metrics.js';

/** `at`: end of the interval (ms since the epoch); quantiles null when it had no request. */
interface LatencyPoint {
  at: number;
  requestsPerSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

/** Cumulative count per bucket upper bound (seconds), +Inf last. */
type Snapshot = { at: number; buckets: number[] };

const KEEP = 60;

/**
 * Requests per second and p50/p99 of one route for the dashboard's chart: samples of the
 * request histogram (`metrics.httpDurations`) every `intervalMs` (off the request path), the
 * last KEEP intervals; each interval's quantiles interpolated in its bucket differences, as
 * histogram_quantile does.
 */
export class RecentLatency {
  private readonly snapshots: Snapshot[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly histogram: Histogram<'method' | 'route' | 'status_code'>,
    private readonly method: string,
    private readonly route: string,
    readonly intervalMs: number,
  ) {}

  start(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One point per interval between samples, oldest first. */
  points(): LatencyPoint[] {
    return this.snapshots.slice(1).map((after, i) => this.between(this.snapshots[i]!, after));
  }

  /** The whole window at once (null before two samples): its mean rate and its p50/p99. */
  window(): (LatencyPoint & { seconds: number }) | null {
    const first = this.snapshots[0];
    const last = this.snapshots[this.snapshots.length - 1];
    if (!first || !last || first === last) return null;
    return { ...this.between(first, last), seconds: (last.at - first.at) / 1000 };
  }

  private between(before: Snapshot, after: Snapshot): LatencyPoint {
    const counts = after.buckets.map((count, b) => count - (before.buckets[b] ?? 0));
    const total = counts[counts.length - 1] ?? 0;
    const seconds = (after.at - before.at) / 1000;
    return {
      at: after.at,
      requestsPerSecond: seconds > 0 ? total / seconds : 0,
      p50Ms: quantileMs(0.5, counts, HTTP_DURATION_BUCKETS),
      p99Ms: quantileMs(0.99, counts, HTTP_DURATION_BUCKETS),
    };
  }

  async sample(): Promise<void> {
    const { values } = await this.histogram.get();
    const byBound = new Map<string, number>();
    for (const { labels, value, metricName } of values) {
      if (metricName !== 'http_request_duration_seconds_bucket') continue;
      if (labels.method !== this.method || labels.route !== this.route) continue;
      const le = String((labels as Record<string, unknown>).le);
      byBound.set(le, (byBound.get(le) ?? 0) + value);
    }
    const buckets = [...HTTP_DURATION_BUCKETS, '+Inf'].map((bound) => byBound.get(String(bound)) ?? 0);
    this.snapshots.push({ at: Date.now(), buckets });
    if (this.snapshots.length > KEEP + 1) this.snapshots.shift();
  }
}

/** The q-quantile in ms from cumulative bucket counts (last = +Inf), or null with no requests. */
export function quantileMs(q: number, cumulative: number[], bounds: readonly number[]): number | null {
  const total = cumulative[cumulative.length - 1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let b = 0; b < bounds.length; b++) {
    const count = cumulative[b] ?? 0;
    if (count < rank) continue;
    const [lower, below] = b === 0 ? [0, 0] : [bounds[b - 1]!, cumulative[b - 1] ?? 0];
    const fraction = count > below ? (rank - below) / (count - below) : 1;
    return (lower + (bounds[b]! - lower) * fraction) * 1000;
  }
  // Beyond the largest finite bound: that bound is the best estimate (as in Prometheus).
  return bounds[bounds.length - 1]! * 1000;
}
