/**
 * Feature rows for the learning-to-rank study (issue 11 goal 3): per user of the Amazon split,
 * the service blend's best N products (the offline replay of quality-offline.ts) with the blend's
 * signals before and after shrinkage (b_), the learned probes of quality-probes.ts (p_) and the
 * text signals of quality-text-probes.ts (t_), each learned from the split's own training
 * purchases; label 1 = the held-out item. A CSV for packages/bench/scripts/ltr.py; write it
 * outside the repository (it is ~100 MB per split).
 *
 *   tsx packages/bench/src/quality-ltr-features.ts --split val|test --out /tmp/ltr-val.csv [--settings "candidates=100,probes=1,text=1"]
 *
 * Results: docs/benchmarks.md, "Goal 3 follow-up: a learned ranker's ceiling".
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { choiceArg, parseArgs, runMain, settingsArg, UsageError } from './lib/args.js';
import { type Item, loadAmazon, type Split, split, splitAt } from './quality/amazon.js';
import { implicitAls, itemKnnIuf, sessionKnn, type UserScores } from './quality/learned-signals.js';
import { type FeatureSignal, featureNames, ltrRows } from './quality/ltr-features.js';
import { contentHits, DEFAULTS, productVectors } from './quality/offline-ranking.js';
import { nextProbabilities, trainSequential } from './quality/sequential-signals.js';
import { AFFINITY, affinitySignal, LEXICAL, lexicalSignal, type TextSignal } from './quality/text-signals.js';

/** The probes' settings chosen on val (docs/benchmarks.md, the goal 3 follow-ups). */
const SETTINGS = {
  candidates: 100,
  /** > 0: hold out the last `cut` items instead of the split's (val 2, test 1), the first of them the target: more training queries from earlier in the histories. */
  cut: 0,
  /** 0 leaves the group out (a quick run). */
  probes: 1,
  text: 1,
  alsFactors: 64,
  alsReg: 1,
  alsAlpha: 10,
  alsIterations: 10,
  sknnNeighbours: 100,
  sknnDepth: 5,
  sknnDecay: 0.5,
  transrecDims: 64,
  transrecNegatives: 200,
  transrecLr: 0.05,
  transrecEpochs: 20,
};

const USAGE = `Learning-to-rank feature rows on Amazon Scientific (no services).

  tsx packages/bench/src/quality-ltr-features.ts --split val|test --out FILE [--settings "key=v,..."]

settings: ${JSON.stringify(SETTINGS)}`;

runMain(USAGE, async (argv) => {
  const args = parseArgs(argv, []);
  const mode = choiceArg(args, 'split', ['test', 'val'] as const, 'val') as Split;
  const out = args.values.get('out');
  if (!out) throw new UsageError('--out FILE is required');
  const o = { ...SETTINGS };
  for (const [key, value] of Object.entries(settingsArg(args, 'settings')[0] ?? {})) {
    if (!(key in o)) throw new UsageError(`--settings: unknown key ${key}`);
    o[key as keyof typeof SETTINGS] = Number(value);
  }
  const started = Date.now();
  const name = o.cut > 0 ? `cut ${o.cut}` : mode;
  const log = (what: string) =>
    console.log(`${name}: ${what} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const data = loadAmazon();
  const { train, target } = o.cut > 0 ? splitAt(data, o.cut) : split(data, mode);
  const vectors = await productVectors(data.items);
  const hits = contentHits(train, vectors, DEFAULTS.halfLife, DEFAULTS.contentCandidates);
  log('content neighbours');
  const signals: FeatureSignal[] = [];
  if (o.probes) signals.push(...probeSignals(train, data.items.length, o, log));
  if (o.text) signals.push(...textSignals(train, data.items));
  log('signals trained');
  const file = createWriteStream(out);
  const write = async (line: string) => {
    if (!file.write(line)) await once(file, 'drain');
  };
  await write(`${['user', 'item', 'label', ...featureNames(signals)].join(',')}\n`);
  let rows = 0;
  let found = 0;
  for (const row of ltrRows({
    train,
    target,
    items: data.items,
    hits,
    vectors: vectors.vectors,
    settings: DEFAULTS,
    candidates: o.candidates,
    signals,
  })) {
    rows++;
    found += row.label;
    await write(`${row.user},${row.productId},${row.label},${row.values.map(format).join(',')}\n`);
  }
  file.end();
  await once(file, 'finish');
  log(
    `${rows} rows, ${train.length} users; the target among the blend's best ${o.candidates} for ${found} (${((100 * found) / train.length).toFixed(1)} %)`,
  );
});

function format(x: number): string {
  return Number.isInteger(x) ? String(x) : Number.isNaN(x) ? 'nan' : x.toPrecision(6);
}

/** ALS, session kNN, IUF item-kNN and TransRec (without the customer translation), as quality-probes.ts trains them. */
function probeSignals(
  train: readonly number[][],
  items: number,
  o: typeof SETTINGS,
  log: (what: string) => void,
): FeatureSignal[] {
  const fromScores = (name: string, scoresOf: UserScores): FeatureSignal => ({
    name,
    forUser: (user) => {
      const scores = scoresOf(user);
      return (id) => scores.get(id) ?? 0;
    },
  });
  const als = implicitAls(
    train,
    items,
    {
      factors: o.alsFactors,
      regularization: o.alsReg,
      alpha: o.alsAlpha,
      iterations: o.alsIterations,
      cgSteps: 3,
    },
    items,
  );
  log('ALS');
  const transrec = trainSequential(train, items, {
    kind: 'translation',
    dims: o.transrecDims,
    epochs: o.transrecEpochs,
    learningRate: o.transrecLr,
    regularization: 0.001,
    negatives: o.transrecNegatives,
    window: 3,
    decay: 0.4,
    userFactors: false,
  });
  log('TransRec');
  return [
    fromScores('p_als', als),
    fromScores(
      'p_sknn',
      sessionKnn(train, items, { neighbours: o.sknnNeighbours, depth: o.sknnDepth, decay: o.sknnDecay }),
    ),
    fromScores('p_iuf', itemKnnIuf(train)),
    {
      name: 'p_transrec',
      forUser: (user) => {
        const p = nextProbabilities(transrec.logits(user, train[user]!), new Set(train[user]));
        return (id) => p[id]!;
      },
    },
  ];
}

/** TF-IDF of title + description (the lexical variant chosen on val), brand and deepest-category affinity. */
function textSignals(train: readonly number[][], items: readonly Item[]): FeatureSignal[] {
  const fromText = (name: string, signal: TextSignal): FeatureSignal => ({
    name,
    forUser: (user) => {
      const view = signal(user);
      return (id) => view.score(id);
    },
  });
  return [
    fromText('t_lex', lexicalSignal(train, items, LEXICAL)),
    fromText(
      't_brand',
      affinitySignal(train, items, (item) => (item.brand ? [item.brand] : []), AFFINITY),
    ),
    fromText(
      't_leaf',
      affinitySignal(train, items, (item) => (item.leaf ? [item.leaf] : []), AFFINITY),
    ),
  ];
}
