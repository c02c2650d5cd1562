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

/**
 * Mean per-user difference of NDCG@10 (b − a) and its standard error, over the same users:
 * the noise that matters when two rankings of one split are compared. `hit`: HR@10 instead.
 */
export function pairedNdcg(
  a: readonly (readonly number[])[],
  b: readonly (readonly number[])[],
  targets: readonly number[],
  metric: 'ndcg' | 'hit' = 'ndcg',
): { diff: number; se: number } {
  const gain = (list: readonly number[], target: number) => {
    const rank = list.slice(0, K).indexOf(target);
    return rank < 0 ? 0 : metric === 'hit' ? 1 : 1 / Math.log2(rank + 2);
  };
  const d = targets.map((target, user) => gain(b[user]!, target) - gain(a[user]!, target));
  const mean = d.reduce((sum, x) => sum + x, 0) / d.length;
  const variance = d.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (d.length - 1);
  return { diff: mean, se: Math.sqrt(variance / d.length) };
}

/** A difference with its sign, to 5 decimals: `+0.00012`. */
export function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(5)}`;
}
