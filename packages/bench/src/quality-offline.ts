/**
 * Offline tuning of the ranking on the Amazon Scientific split, in one process: the same
 * hashing embedder, text recipe, pair counting and pure blend as recommendation-service, but
 * no HTTP and no databases, so a grid of settings takes seconds per point instead of minutes
 * (the content neighbours, the slow part, are kept in the temp folder after the first run).
 * Use it to choose settings on `--split val`; confirm the choice through the public API with
 * `pnpm bench:quality` (the numbers to report).
 *
 *   tsx packages/bench/src/quality-offline.ts --split val [--grid "A=1,B=2;A=3"]
 */
import { choiceArg, parseArgs, runMain, settingsArg } from './lib/args.js';
import { loadAmazon, type Split, split } from './quality/amazon.js';
import { score } from './quality/metrics.js';
import {
  type ContentHit,
  contentHits,
  DEFAULTS,
  overridesOf,
  productVectors,
  rankAll,
} from './quality/offline-ranking.js';

const USAGE = `Offline ranking study on Amazon Scientific (no services).

  tsx packages/bench/src/quality-offline.ts [--split val|test] [--base "key=v"] [--grid "key=v,key=v;key=v"]

keys: ${Object.keys(DEFAULTS).join(', ')}`;

runMain(USAGE, async (argv) => {
  const args = parseArgs(argv, []);
  const mode = choiceArg(args, 'split', ['test', 'val'] as const, 'val') as Split;
  const base = { ...DEFAULTS, ...overridesOf(settingsArg(args, 'base'))[0] };
  const grid = overridesOf(settingsArg(args, 'grid'));
  const started = Date.now();
  const data = loadAmazon();
  const { train, target } = split(data, mode);
  const vectors = await productVectors(data.items);
  console.log(`embedded ${data.items.length} items in ${Date.now() - started} ms`);
  const maxK = Math.max(
    base.contentCandidates,
    base.contentPool,
    ...grid.map((g) => Math.max(g.contentCandidates ?? 0, g.contentPool ?? 0)),
  );
  const contentCache = new Map<number, ContentHit[][]>();
  for (const overrides of [{}, ...grid]) {
    const settings = { ...base, ...overrides };
    let userHits = contentCache.get(settings.halfLife);
    if (!userHits) {
      userHits = contentHits(train, vectors, settings.halfLife, maxK);
      contentCache.set(settings.halfLife, userHits);
      console.log(`content neighbours (half-life ${settings.halfLife}) after ${Date.now() - started} ms`);
    }
    const lists = rankAll(train, userHits, settings, data.items);
    const metrics = score(lists, target, data.items.length);
    console.log(
      `${mode} HR@10 ${metrics.hr.toFixed(4)} NDCG@10 ${metrics.ndcg.toFixed(4)} cov ${metrics.coverage.toFixed(3)}  ${JSON.stringify(overrides)}`,
    );
  }
});
