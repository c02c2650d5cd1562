/**
 * Is the content signal from the purchases' neighbour lists (recommendation-service's
 * `neighbour-content.ts`) as good as searching with the customer's vector? Offline, on the
 * Amazon Scientific split, with the rest of the ranking unchanged (offline-ranking.ts): each
 * item's nearest items by the hashing vectors (kept in the temp folder after the first run,
 * ~1 min), then the customers' content candidates from the lists of their latest purchases.
 *
 *   tsx packages/bench/src/quality-neighbours.ts [--split val|test] [--sizes 50,100,200]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NeighbourList } from '../../../recommendation-service/src/ranking/content-neighbours.js';
import {
  contentScores,
  customerContent,
} from '../../../recommendation-service/src/ranking/neighbour-content.js';
import { recencyWeight, usefulDepth } from '../../../recommendation-service/src/ranking/signals.js';
import { choiceArg, parseArgs, runMain } from './lib/args.js';
import { loadAmazon, type Split, split } from './quality/amazon.js';
import { score } from './quality/metrics.js';
import {
  type ContentHit,
  contentHits,
  DEFAULTS,
  productVectors,
  rankAll,
} from './quality/offline-ranking.js';

const USAGE = `Content from neighbour lists against the exact search, offline (no services).

  tsx packages/bench/src/quality-neighbours.ts [--split val|test] [--sizes 50,100,200]`;

const LONGEST = 200;

runMain(USAGE, async (argv) => {
  const args = parseArgs(argv, []);
  const mode = choiceArg(args, 'split', ['test', 'val'] as const, 'val') as Split;
  const sizes = (args.values.get('sizes') ?? '50,100,200').split(',').map(Number);
  const data = loadAmazon();
  const { train, target } = split(data, mode);
  const vectors = await productVectors(data.items);
  const nearest = nearestItems(vectors, LONGEST);
  const report = (label: string, hits: ContentHit[][]) => {
    const metrics = score(rankAll(train, hits, DEFAULTS, data.items), target, data.items.length);
    console.log(
      `${mode} ${label.padEnd(28)} HR@10 ${metrics.hr.toFixed(4)} NDCG@10 ${metrics.ndcg.toFixed(4)} cov ${metrics.coverage.toFixed(3)}`,
    );
  };
  report('exact search', contentHits(train, vectors, DEFAULTS.halfLife, DEFAULTS.contentCandidates));
  for (const size of sizes) report(`neighbour lists of ${size}`, listHits(train, nearest, size));
});

/** Each item's LONGEST nearest items, best first (the service keeps the first `size`). */
function nearestItems(vectors: { id: string; vectors: Float32Array[] }, longest: number) {
  const all = vectors.vectors;
  const count = all.length;
  const file = path.join(os.tmpdir(), `quality-neighbours-${vectors.id}-${longest}.bin`);
  if (existsSync(file)) {
    const bytes = new Uint8Array(readFileSync(file)).buffer;
    return {
      ids: new Int32Array(bytes, 0, count * longest),
      scores: new Float32Array(bytes, count * longest * 4, count * longest),
    };
  }
  const ids = new Int32Array(count * longest);
  const scores = new Float32Array(count * longest);
  const row = new Float32Array(count);
  for (let a = 0; a < count; a++) {
    for (let b = 0; b < count; b++) row[b] = a === b ? -Infinity : dot(all[a]!, all[b]!);
    const order = Array.from({ length: count }, (_, i) => i)
      .sort((x, y) => row[y]! - row[x]! || x - y)
      .slice(0, longest);
    order.forEach((id, j) => {
      ids[a * longest + j] = id;
      scores[a * longest + j] = row[id]!;
    });
  }
  writeFileSync(file, Buffer.concat([Buffer.from(ids.buffer), Buffer.from(scores.buffer)]));
  return { ids, scores };
}

/** The service's content candidates: the top 200 of the lists' sums, as the recommender takes them. */
function listHits(
  train: readonly number[][],
  nearest: { ids: Int32Array; scores: Float32Array },
  size: number,
): ContentHit[][] {
  const listOf = (item: number): NeighbourList => {
    const from = item * LONGEST;
    const scores = nearest.scores.slice(from, from + size);
    return { ids: nearest.ids.slice(from, from + size), scores, floor: scores[size - 1]! };
  };
  const depth = usefulDepth(DEFAULTS.halfLife, 100);
  return train.map((items) => {
    const newestFirst = [...new Set([...items].reverse())].slice(0, depth);
    const purchases = newestFirst.map((item, position) => ({
      productId: item,
      weight: recencyWeight(position, DEFAULTS.halfLife),
      list: listOf(item),
    }));
    return contentScores(customerContent(purchases), new Set(items))
      .slice(0, DEFAULTS.contentCandidates)
      .map(({ productId, score }) => ({ id: productId, sim: score }));
  });
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
