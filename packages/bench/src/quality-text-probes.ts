/**
 * Do text-side signals add to the hybrid ranking? Each grid point adds a weighted mix of them as
 * one more term of the service's blend (the offline replay of quality-offline.ts) and prints the
 * paired NDCG@10 difference (± standard error, same users) against the blend without them.
 * Choose on `--split val`; run `--split test` only to record the choice.
 *
 *   tsx packages/bench/src/quality-text-probes.ts --grid "lex=0.2;brand=0.1,leaf=0.1" [--split val|test]
 *
 * `--demo` ranks the project's dataset.csv the same way and prints the demo goals instead
 * (what `pnpm bench:quality-demo` measures through the services, in seconds).
 *
 * Results (issue 11, goal 3) are in docs/benchmarks.md, "Goal 3 follow-up: text-side signals".
 */
import path from 'node:path';
import { REPO_ROOT } from '@ecom/stack/start-stack';
import { type Args, choiceArg, intArg, parseArgs, runMain, settingsArg, UsageError } from './lib/args.js';
import { type Item, loadAmazon, type Split, split } from './quality/amazon.js';
import { demoGoals, loadDemo } from './quality/demo-data.js';
import { K, pairedNdcg, score, signed } from './quality/metrics.js';
import {
  contentHits,
  DEFAULTS,
  type ExtraSignal,
  type OfflineSettings,
  productVectors,
  rankAll,
} from './quality/offline-ranking.js';
import {
  AFFINITY,
  affinitySignal,
  LEXICAL,
  lexicalSignal,
  type TextSignal,
  type UserSignal,
} from './quality/text-signals.js';

const USAGE = `Text-side signal probes on Amazon Scientific (no services).

  tsx packages/bench/src/quality-text-probes.ts --grid "signal=w,signal=w;..." [options]

signals: lex (TF-IDF of title, description, tags and category words, weighted by field),
desc (TF-IDF of descriptions only), brand, leaf (deepest category), tags (any tag, by its IDF)
  --split val|test      [val]
  --demo                the project's dataset.csv instead, printing the demo goals of
                        pnpm bench:quality-demo (category affinity, max share of top-5 lists)
  a grid point may also set blend settings (quality-offline.ts keys, e.g. weightContent=0.5);
  the reference is always the service's defaults
  --lex "key=v,..."     ${JSON.stringify(LEXICAL)}
  --desc "key=v,..."    as --lex, over description words only
  --affinity "key=v"    brand, leaf and tags: ${JSON.stringify(AFFINITY)}
  --candidates N        each signal's best N products join the candidates [50]`;

runMain(USAGE, async (argv) => {
  const args = parseArgs(argv, ['demo']);
  const mode = choiceArg(args, 'split', ['test', 'val'] as const, 'val') as Split;
  const candidates = intArg(args, 'candidates', 50);
  const lex = { ...LEXICAL, ...options(args, 'lex', LEXICAL) };
  const desc = {
    ...lex,
    title: 0,
    tagWords: 0,
    wholeTags: 0,
    description: 1,
    ...options(args, 'desc', LEXICAL),
  };
  const affinity = { ...AFFINITY, ...options(args, 'affinity', AFFINITY) };
  const grid = settingsArg(args, 'grid').map(pointOf);
  const demo = args.flags.has('demo') ? await loadDemo(path.join(REPO_ROOT, 'dataset.csv')) : undefined;
  const amazon = demo ? undefined : loadAmazon();
  const data = { items: demo?.items ?? amazon!.items };
  const { train, target } = demo ? { train: demo.train, target: [] } : split(amazon!, mode);
  const name = demo ? 'demo' : mode;
  const tags = (item: Item) => item.tags.map((tag) => tag.toLowerCase());
  const tagCount = new Map<string, number>();
  for (const item of data.items)
    for (const tag of tags(item)) tagCount.set(tag, (tagCount.get(tag) ?? 0) + 1);
  const builders: Record<string, () => TextSignal> = {
    lex: () => lexicalSignal(train, data.items, lex),
    desc: () => lexicalSignal(train, data.items, desc),
    brand: () => affinitySignal(train, data.items, (item) => (item.brand ? [item.brand] : []), affinity),
    leaf: () => affinitySignal(train, data.items, (item) => (item.leaf ? [item.leaf] : []), affinity),
    tags: () =>
      affinitySignal(train, data.items, tags, affinity, (tag) => {
        const idf = Math.log(data.items.length / (tagCount.get(tag) ?? 1));
        return idf / Math.log(data.items.length);
      }),
  };
  const built = new Map<string, TextSignal>();
  const signal = (name: string) => {
    const builder = builders[name];
    if (!builder) throw new UsageError(`unknown signal ${name}`);
    if (!built.has(name)) built.set(name, builder());
    return built.get(name)!;
  };
  const hits = contentHits(
    train,
    await productVectors(data.items),
    DEFAULTS.halfLife,
    DEFAULTS.contentCandidates,
  );
  const reference = rankAll(train, hits, DEFAULTS, data.items, undefined, demo?.preferences);
  /** Amazon: the metrics and the paired difference against the defaults; the demo: its goals. */
  const describe = (lists: number[][]) => {
    if (demo) {
      const goals = demoGoals(lists, demo);
      return `category affinity ${goals.affinity.toFixed(3)}, max share of top-5 lists ${goals.maxTop5Share.toFixed(3)}`;
    }
    const m = score(lists, target, data.items.length);
    const p = pairedNdcg(reference, lists, target);
    const metrics = `HR@10 ${m.hr.toFixed(4)} NDCG@10 ${m.ndcg.toFixed(4)} cov ${m.coverage.toFixed(3)}`;
    return lists === reference
      ? metrics
      : `${metrics}  paired ${signed(p.diff)} ± ${p.se.toFixed(5)} (${(p.diff / p.se).toFixed(1)} se)`;
  };
  console.log(`${name} hybrid: ${describe(reference)}`);
  const reported = new Set<string>();
  for (const { settings, weights, label } of grid) {
    const started = Date.now();
    const names = [...weights.keys()];
    if (!demo && names.length === 1 && !reported.has(names[0]!)) {
      reported.add(names[0]!);
      const alone = train.map((_, user) => signal(names[0]!)(user).best(K));
      const m = score(alone, target, data.items.length);
      console.log(
        `${mode} ${names[0]} alone: HR@10 ${m.hr.toFixed(4)} NDCG@10 ${m.ndcg.toFixed(4)} cov ${m.coverage.toFixed(3)}`,
      );
    }
    const extra = weights.size > 0 ? mix(weights, signal, candidates) : undefined;
    const lists = rankAll(train, hits, { ...DEFAULTS, ...settings }, data.items, extra, demo?.preferences);
    console.log(`${name} hybrid ${label}: ${describe(lists)} ${Date.now() - started} ms`);
  }
});

/** The signals as one extra blend term: their weighted mean, weighted by the sum; candidates from each. */
function mix(
  weights: Map<string, number>,
  signal: (name: string) => TextSignal,
  candidates: number,
): ExtraSignal {
  const total = [...weights.values()].reduce((sum, w) => sum + w, 0);
  let current: { user: number; views: [UserSignal, number][] } | undefined;
  const views = (user: number) => {
    if (current?.user !== user) {
      current = { user, views: [...weights].map(([name, w]) => [signal(name)(user), w]) };
    }
    return current.views;
  };
  return {
    weight: total,
    score: (user, id) => views(user).reduce((sum, [view, w]) => sum + w * view.score(id), 0) / total,
    candidates: (user) => views(user).flatMap(([view, w]) => (w > 0 ? view.best(candidates) : [])),
  };
}

/** "signal=w,...,blendKey=v": signal weights and blend settings (content neighbours stay the defaults'). */
function pointOf(point: Record<string, string>): {
  settings: Partial<OfflineSettings>;
  weights: Map<string, number>;
  label: string;
} {
  const settings: Partial<OfflineSettings> = {};
  const weights = new Map<string, number>();
  for (const [name, value] of Object.entries(point)) {
    if (name in DEFAULTS) settings[name as keyof OfflineSettings] = Number(value);
    else weights.set(name, Number(value));
  }
  const label = Object.entries(point)
    .map(([name, value]) => `${name}=${value}`)
    .join(',');
  return { settings, weights, label };
}

/** `--name "key=v,key=v"` over the keys of `known`; numbers unless the known value is a string. */
function options<T extends object>(args: Args, name: string, known: T): Partial<T> {
  const entries = Object.entries(settingsArg(args, name)[0] ?? {}).map(([key, value]) => {
    if (!(key in known)) throw new UsageError(`--${name}: unknown option ${key}`);
    return [key, typeof known[key as keyof T] === 'string' ? value : Number(value)];
  });
  return Object.fromEntries(entries) as Partial<T>;
}
