/**
 * Does a learned collaborative signal add to the hybrid ranking? Trains one in-process on the
 * Amazon split's training purchases, scores it alone, then as one more weighted term of the
 * service's blend (the offline replay of quality-offline.ts), with the paired difference to
 * weight 0 over the same users. Choose on `--split val`.
 *
 *   tsx packages/bench/src/quality-probes.ts --probe als|sknn|iuf|cbow|fpmc|transrec [--split val|test] [--weights "0,0.2,0.5"]
 *
 * Results (issue 11, goal 3) are in docs/benchmarks.md, "Goal 3 follow-up".
 */
import { choiceArg, intArg, parseArgs, runMain, settingsArg } from './lib/args.js';
import { loadAmazon, type Split, split } from './quality/amazon.js';
import { implicitAls, itemKnnIuf, sessionKnn, type UserScores } from './quality/learned-signals.js';
import { K, pairedNdcg, score, signed } from './quality/metrics.js';
import { contentHits, DEFAULTS, overridesOf, productVectors, rankAll } from './quality/offline-ranking.js';
import { nextProbabilities, trainSequential } from './quality/sequential-signals.js';

const USAGE = `Learned-signal probes on Amazon Scientific (no services).

  tsx packages/bench/src/quality-probes.ts --probe als|sknn|iuf|cbow|fpmc|transrec [options]

  --split val|test         [val]
  --weights "w,w,..."      weights of the signal in the blend (the defaults' weights sum to 2.9) [0,0.1,0.2,0.5,1]
  --shrink K               signal in [0, 1] as e / (e + K); 0 = clipped at 1 (ALS scores are ~[0, 1])
                           [0 for als, 0.02 for the sequential models (e = P(next)), 1 otherwise]
  --candidates N           the signal's best N items per user join the candidates [50]
  --factors N --reg R --alpha A --iterations N    ALS [64, 1, 10, 10]
  --neighbours N --depth N --decay D               session kNN [100, 5, 0.5]
  --dims N --epochs N --lr R --reg R --negatives N --window N --decay D
                           cbow (decayed latest purchases → next), fpmc (+ a customer vector),
                           transrec (translation, + a customer vector) [32, 20, 0.05, 0.001, 20, 5, 0.7]
  --no-customer            fpmc / transrec without the customer vector (servable as is)
  --base "key=v,..."       the blend's settings with the signal (offline-ranking.ts DEFAULTS keys; the
                           paired differences are always to the service's defaults without the signal)
  --gap                    the signal only where "bought next" has no evidence (latest 5 purchases' successors)`;

const PROBES = ['als', 'sknn', 'iuf', 'cbow', 'fpmc', 'transrec'] as const;

/** A probe's best items per user (for "alone" and as candidates) and its evidence for any item. */
interface Probe {
  ranked: number[][];
  evidence(user: number, productId: number): number;
}

runMain(USAGE, async (argv) => {
  const args = parseArgs(argv, ['no-customer', 'gap']);
  const mode = choiceArg(args, 'split', ['test', 'val'] as const, 'val') as Split;
  const probe = choiceArg(args, 'probe', PROBES, 'als');
  const sequential = probe === 'cbow' || probe === 'fpmc' || probe === 'transrec';
  const weights = (args.values.get('weights') ?? '0,0.1,0.2,0.5,1').split(',').filter(Boolean).map(Number);
  const shrink = Number(args.values.get('shrink') ?? (probe === 'als' ? 0 : sequential ? 0.02 : 1));
  const candidates = intArg(args, 'candidates', 50);
  const number = (name: string, fallback: number) => Number(args.values.get(name) ?? fallback);
  const data = loadAmazon();
  const { train, target } = split(data, mode);
  const items = data.items.length;
  const top = Math.max(candidates, K);
  const started = Date.now();
  let learned: Probe;
  if (sequential) {
    const model = trainSequential(train, items, {
      kind: probe === 'transrec' ? 'translation' : 'dot',
      dims: intArg(args, 'dims', 32),
      epochs: intArg(args, 'epochs', 20),
      learningRate: number('lr', 0.05),
      regularization: number('reg', 0.001),
      negatives: intArg(args, 'negatives', 20),
      window: intArg(args, 'window', 5),
      decay: number('decay', 0.7),
      userFactors: probe !== 'cbow' && !args.flags.has('no-customer'),
    });
    console.log(`${mode} ${probe} trained in ${Date.now() - started} ms`);
    // The blend asks user after user: one user's probabilities at a time.
    let cached: { user: number; p: Float32Array } = { user: -1, p: new Float32Array(0) };
    const probabilities = (user: number) => {
      if (cached.user !== user) {
        cached = { user, p: nextProbabilities(model.logits(user, train[user]!), new Set(train[user])) };
      }
      return cached.p;
    };
    learned = {
      ranked: train.map((_, user) => best(probabilities(user), top)),
      evidence: (user, id) => probabilities(user)[id]!,
    };
  } else {
    let scoresOf: UserScores;
    if (probe === 'als') {
      scoresOf = implicitAls(
        train,
        items,
        {
          factors: intArg(args, 'factors', 64),
          regularization: number('reg', 1),
          alpha: number('alpha', 10),
          iterations: intArg(args, 'iterations', 10),
          cgSteps: 3,
        },
        top,
      );
    } else if (probe === 'sknn') {
      scoresOf = sessionKnn(train, items, {
        neighbours: intArg(args, 'neighbours', 100),
        depth: intArg(args, 'depth', 5),
        decay: number('decay', 0.5),
      });
    } else {
      scoresOf = itemKnnIuf(train);
    }
    const perUser = train.map((_, user) => scoresOf(user));
    learned = {
      ranked: perUser.map((scores) =>
        [...scores].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => id),
      ),
      evidence: (user, id) => perUser[user]!.get(id) ?? 0,
    };
  }
  const alone = score(
    learned.ranked.map((list) => list.slice(0, K)),
    target,
    items,
  );
  console.log(
    `${mode} ${probe} alone: HR@10 ${alone.hr.toFixed(4)} NDCG@10 ${alone.ndcg.toFixed(4)} cov ${alone.coverage.toFixed(3)} (trained and scored in ${Date.now() - started} ms)`,
  );
  if (weights.length === 0) return;
  const hits = contentHits(
    train,
    await productVectors(data.items),
    DEFAULTS.halfLife,
    DEFAULTS.contentCandidates,
  );
  const successors = observedNext(train);
  const observed = args.flags.has('gap') ? successors : undefined;
  const settings = { ...DEFAULTS, ...overridesOf(settingsArg(args, 'base'))[0] };
  const blended = (weight: number) =>
    rankAll(train, hits, settings, data.items, {
      weight,
      score: (user, id) => {
        if (observed?.[user]?.has(id)) return 0;
        const e = learned.evidence(user, id);
        return shrink > 0 ? (e > 0 ? e / (e + shrink) : 0) : e;
      },
      candidates: (user) => learned.ranked[user]!.slice(0, candidates),
    });
  const base = rankAll(train, hits, DEFAULTS, data.items);
  // Where the counts cannot help: targets that never followed any of the latest purchases.
  const unseen = target.flatMap((item, user) => (successors[user]!.has(item) ? [] : [user]));
  const hitShare = (hit: (user: number) => boolean) => (unseen.filter(hit).length / unseen.length).toFixed(4);
  console.log(
    `${mode} targets without "bought next" evidence: ${unseen.length} users; HR@10 ${probe} alone ${hitShare(
      (u) => learned.ranked[u]!.slice(0, K).includes(target[u]!),
    )}, defaults ${hitShare((u) => base[u]!.includes(target[u]!))}`,
  );
  for (const weight of weights) {
    const lists = blended(weight);
    const m = score(lists, target, items);
    const dn = pairedNdcg(base, lists, target);
    const dh = pairedNdcg(base, lists, target, 'hit');
    console.log(
      `${mode} hybrid + ${probe} × ${weight}: HR@10 ${m.hr.toFixed(4)} NDCG@10 ${m.ndcg.toFixed(4)} cov ${m.coverage.toFixed(3)}; ` +
        `vs defaults: NDCG ${signed(dn.diff)} ± ${dn.se.toFixed(5)}, HR ${signed(dh.diff)} ± ${dh.se.toFixed(5)}`,
    );
  }
});

/** Per user: what followed (within 5 places) any of the latest 5 purchases in some training history. */
function observedNext(train: readonly number[][]): Set<number>[] {
  const next = new Map<number, Set<number>>();
  for (const sequence of train) {
    sequence.forEach((item, t) => {
      const after = next.get(item) ?? new Set<number>();
      for (const later of sequence.slice(t + 1, t + 1 + DEFAULTS.nextWindow)) after.add(later);
      next.set(item, after);
    });
  }
  return train.map((sequence) => {
    const seen = new Set<number>();
    for (const item of sequence.slice(-DEFAULTS.nextDepth)) for (const n of next.get(item) ?? []) seen.add(n);
    return seen;
  });
}

/** The `n` items of highest probability, best first (ties: lower id). */
function best(p: Float32Array, n: number): number[] {
  const kept: number[] = [];
  for (let id = 0; id < p.length; id++) {
    if (p[id]! <= 0 || (kept.length === n && p[id]! <= p[kept[n - 1]!]!)) continue;
    let at = kept.length === n ? n - 1 : kept.length;
    while (at > 0 && p[kept[at - 1]!]! < p[id]!) {
      kept[at] = kept[at - 1]!;
      at--;
    }
    kept[at] = id;
  }
  return kept;
}
