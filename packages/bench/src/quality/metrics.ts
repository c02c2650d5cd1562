export const K = 10;

export interface QualityRow {
  name: string;
  users: number;
  hr_at_10: number;
  ndcg_at_10: number;
  coverage: number;
  /** Seconds the ranking pass took (HTTP requests for the system's rows). */
  seconds: number;
  /** Per-request latency of the system's rows, ms. */
  latency_ms?: { p50: number; p99: number } | undefined;
  load_average?: number | undefined;
  settings?: Record<string, string> | undefined;
}

/** HitRate@10, NDCG@10 (1/log2(rank+2), 0-based rank), coverage = distinct recommended / catalog. */
export function score(
  recommendations: readonly (readonly number[])[],
  targets: readonly number[],
  catalogSize: number,
): { hr: number; ndcg: number; coverage: number } {
  let hits = 0;
  let ndcg = 0;
  const distinct = new Set<number>();
  recommendations.forEach((list, user) => {
    const top = list.slice(0, K);
    for (const item of top) distinct.add(item);
    const rank = top.indexOf(targets[user]!);
    if (rank >= 0) {
      hits++;
      ndcg += 1 / Math.log2(rank + 2);
    }
  });
  const users = recommendations.length;
  return { hr: hits / users, ndcg: ndcg / users, coverage: distinct.size / catalogSize };
}

export function formatTable(rows: readonly QualityRow[]): string {
  const header = ['method', 'users', 'HR@10', 'NDCG@10', 'coverage', 'seconds', 'p50 ms', 'p99 ms', 'load'];
  const lines = rows.map((row) => [
    row.name,
    String(row.users),
    row.hr_at_10.toFixed(4),
    row.ndcg_at_10.toFixed(4),
    row.coverage.toFixed(3),
    row.seconds.toFixed(1),
    row.latency_ms ? row.latency_ms.p50.toFixed(1) : '',
    row.latency_ms ? row.latency_ms.p99.toFixed(1) : '',
    row.load_average === undefined ? '' : row.load_average.toFixed(2),
  ]);
  return [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** NDCG@10 of each user's list (0 for a miss): for paired differences between two rankings. */
export function ndcgPerUser(
  recommendations: readonly (readonly number[])[],
  targets: readonly number[],
): Float64Array {
  return Float64Array.from(recommendations, (list, user) => {
    const rank = list.slice(0, K).indexOf(targets[user]!);
    return rank >= 0 ? 1 / Math.log2(rank + 2) : 0;
  });
}

/** Mean of b − a over the same users and its standard error. */
export function pairedDifference(a: Float64Array, b: Float64Array): { mean: number; se: number } {
  const n = a.length;
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const diff = b[i]! - a[i]!;
    sum += diff;
    squares += diff * diff;
  }
  const mean = sum / n;
  return { mean, se: Math.sqrt((squares / n - mean * mean) / (n - 1)) };
}
