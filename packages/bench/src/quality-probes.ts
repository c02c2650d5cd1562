/**
 * Does a learned collaborative signal add to the hybrid ranking? Trains one in-process on the
 * Amazon split's training purchases, scores it alone, then as one more weighted term of the
 * service's blend (the offline replay of quality-offline.ts). Choose on `--split val`.
 *
 *   tsx packages/bench/src/quality-probes.ts --probe als|sknn|iuf [--split val|test] [--weights "0,0.2,0.5"]
 *
 * Results (issue 11, goal 3) are in docs/benchmarks.md, "Learned signals".
 */
import { choiceArg, intArg, parseArgs, runMain } from './lib/args.js';
import { loadAmazon, type Split, split } from './quality/amazon.js';
import { implicitAls, itemKnnIuf, sessionKnn, type UserScores } from './quality/learned-signals.js';
import { K, score } from './quality/metrics.js';
import { contentHits, DEFAULTS, productVectors, rankAll } from './quality/offline-ranking.js';

const USAGE = `Learned-signal probes on Amazon Scientific (no services).

  tsx packages/bench/src/quality-probes.ts --probe als|sknn|iuf [options]

  --split val|test         [val]
  --weights "w,w,..."      weights of the signal in the blend (the defaults' weights sum to 2.7) [0,0.1,0.2,0.5,1]
  --shrink K               signal in [0, 1] as e / (e + K); 0 = clipped at 1 (ALS scores are ~[0, 1]) [0 for als, 1 otherwise]
  --candidates N           the signal's best N items per user join the candidates [50]
  --factors N --reg R --alpha A --iterations N    ALS [64, 1, 10, 10]
  --neighbours N --depth N --decay D               session kNN [100, 5, 0.5]`;

runMain(USAGE, async (argv) => {
  const args = parseArgs(argv, []);
  const mode = choiceArg(args, 'split', ['test', 'val'] as const, 'val') as Split;
  const probe = choiceArg(args, 'probe', ['als', 'sknn', 'iuf'] as const, 'als');
  const weights = (args.values.get('weights') ?? '0,0.1,0.2,0.5,1').split(',').map(Number);
  const shrink = Number(args.values.get('shrink') ?? (probe === 'als' ? 0 : 1));
  const candidates = intArg(args, 'candidates', 50);
  const number = (name: string, fallback: number) => Number(args.values.get(name) ?? fallback);
  const data = loadAmazon();
  const { train, target } = split(data, mode);
  const started = Date.now();
  let scoresOf: UserScores;
  if (probe === 'als') {
    scoresOf = implicitAls(
      train,
      data.items.length,
      {
        factors: intArg(args, 'factors', 64),
        regularization: number('reg', 1),
        alpha: number('alpha', 10),
        iterations: intArg(args, 'iterations', 10),
        cgSteps: 3,
      },
      Math.max(candidates, K),
    );
  } else if (probe === 'sknn') {
    scoresOf = sessionKnn(train, data.items.length, {
      neighbours: intArg(args, 'neighbours', 100),
      depth: intArg(args, 'depth', 5),
      decay: number('decay', 0.5),
    });
  } else {
    scoresOf = itemKnnIuf(train);
  }
  const perUser = train.map((_, user) => scoresOf(user));
  const ranked = perUser.map((scores) =>
    [...scores].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => id),
  );
  const alone = score(
    ranked.map((list) => list.slice(0, K)),
    target,
    data.items.length,
  );
  console.log(
    `${mode} ${probe} alone: HR@10 ${alone.hr.toFixed(4)} NDCG@10 ${alone.ndcg.toFixed(4)} cov ${alone.coverage.toFixed(3)} (trained and scored in ${Date.now() - started} ms)`,
  );
  const hits = contentHits(
    train,
    await productVectors(data.items),
    DEFAULTS.halfLife,
    DEFAULTS.contentCandidates,
  );
  for (const weight of weights) {
    const lists = rankAll(train, hits, DEFAULTS, data.items, {
      weight,
      score: (user, id) => {
        const e = perUser[user]!.get(id) ?? 0;
        return shrink > 0 ? (e > 0 ? e / (e + shrink) : 0) : e;
      },
      candidates: (user) => ranked[user]!.slice(0, candidates),
    });
    const m = score(lists, target, data.items.length);
    console.log(
      `${mode} hybrid + ${probe} × ${weight}: HR@10 ${m.hr.toFixed(4)} NDCG@10 ${m.ndcg.toFixed(4)} cov ${m.coverage.toFixed(3)}`,
    );
  }
});
