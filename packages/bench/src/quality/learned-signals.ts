/**
 * Learned collaborative signals, trained in-process on the training purchases, for the probes
 * (quality-probes.ts): does any of them add to the hybrid ranking? Each returns, per user, raw
 * scores of the items the user has not bought.
 */

export type UserScores = (user: number) => ReadonlyMap<number, number>;

export interface AlsOptions {
  factors: number;
  regularization: number;
  /** Confidence of a purchase: 1 + alpha. */
  alpha: number;
  iterations: number;
  /** Conjugate-gradient steps per row and iteration (Takács et al. 2011: 3 is enough). */
  cgSteps: number;
}

/**
 * Implicit-feedback ALS (Hu, Koren & Volinsky 2008) with conjugate-gradient row updates:
 * O(purchases × factors + rows × factors²) per iteration, memory (users + items) × factors.
 * Scores: x_u · y_i for the user's `top` best items.
 */
export function implicitAls(train: readonly number[][], items: number, o: AlsOptions, top = 50): UserScores {
  const f = o.factors;
  const users = train.length;
  const userItems = train.map((sequence) => [...new Set(sequence)]);
  const itemUsers: number[][] = Array.from({ length: items }, () => []);
  userItems.forEach((list, user) => {
    for (const item of list) itemUsers[item]!.push(user);
  });
  const X = new Float32Array(users * f);
  const Y = new Float32Array(items * f);
  let seed = 1;
  for (let i = 0; i < Y.length; i++) {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    Y[i] = (seed / 2 ** 32 - 0.5) * 0.01;
  }
  const work = { r: new Float64Array(f), p: new Float64Array(f), Ap: new Float64Array(f) };
  for (let iteration = 0; iteration < o.iterations; iteration++) {
    let gram = gramOf(Y, items, f);
    for (let u = 0; u < users; u++) solveRow(X, u * f, userItems[u]!, Y, gram, f, o, work);
    gram = gramOf(X, users, f);
    for (let i = 0; i < items; i++) solveRow(Y, i * f, itemUsers[i]!, X, gram, f, o, work);
  }
  return (user) => {
    const bought = new Set(userItems[user]);
    const scores: [number, number][] = [];
    for (let i = 0; i < items; i++) {
      if (bought.has(i)) continue;
      let dot = 0;
      for (let a = 0; a < f; a++) dot += X[user * f + a]! * Y[i * f + a]!;
      scores.push([i, dot]);
    }
    return new Map(scores.sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, top));
  };
}

function gramOf(F: Float32Array, rows: number, f: number): Float64Array {
  const G = new Float64Array(f * f);
  for (let r = 0; r < rows; r++) {
    const o = r * f;
    for (let a = 0; a < f; a++) {
      const va = F[o + a]!;
      if (va === 0) continue;
      for (let b = a; b < f; b++) G[a * f + b]! += va * F[o + b]!;
    }
  }
  for (let a = 0; a < f; a++) for (let b = 0; b < a; b++) G[a * f + b] = G[b * f + a]!;
  return G;
}

/** Solves (G + alpha Σ y yᵀ + reg I) x = (1 + alpha) Σ y by CG, warm-started at the current x. */
function solveRow(
  x: Float32Array,
  xo: number,
  rated: readonly number[],
  Y: Float32Array,
  G: Float64Array,
  f: number,
  o: AlsOptions,
  work: { r: Float64Array; p: Float64Array; Ap: Float64Array },
): void {
  const { r, p, Ap } = work;
  const multiply = (v: ArrayLike<number>, vo: number, out: Float64Array) => {
    for (let a = 0; a < f; a++) {
      let s = 0;
      for (let b = 0; b < f; b++) s += G[a * f + b]! * v[vo + b]!;
      out[a] = s + o.regularization * v[vo + a]!;
    }
    for (const item of rated) {
      const yo = item * f;
      let d = 0;
      for (let b = 0; b < f; b++) d += Y[yo + b]! * v[vo + b]!;
      d *= o.alpha;
      for (let a = 0; a < f; a++) out[a]! += d * Y[yo + a]!;
    }
  };
  multiply(x, xo, Ap);
  for (let a = 0; a < f; a++) r[a] = -Ap[a]!;
  for (const item of rated) for (let a = 0; a < f; a++) r[a]! += (1 + o.alpha) * Y[item * f + a]!;
  p.set(r);
  let rs = 0;
  for (let a = 0; a < f; a++) rs += r[a]! * r[a]!;
  for (let step = 0; step < o.cgSteps && rs > 1e-12; step++) {
    multiply(p, 0, Ap);
    let pAp = 0;
    for (let a = 0; a < f; a++) pAp += p[a]! * Ap[a]!;
    const alpha = rs / pAp;
    for (let a = 0; a < f; a++) {
      x[xo + a]! += alpha * p[a]!;
      r[a]! -= alpha * Ap[a]!;
    }
    let next = 0;
    for (let a = 0; a < f; a++) next += r[a]! * r[a]!;
    for (let a = 0; a < f; a++) p[a] = r[a]! + (next / rs) * p[a]!;
    rs = next;
  }
}

export interface SessionKnnOptions {
  /** Neighbouring customers kept. */
  neighbours: number;
  /** The user's latest purchases that find neighbours, each half as strong as the next newer. */
  depth: number;
  /** A neighbour's purchase d steps after the shared latest item counts decay^(d-1); before it, decay^d. */
  decay: number;
}

/**
 * Sequence-aware session kNN (V-SKNN, Ludewig & Jannach 2018): customers who bought the user's
 * latest items, weighted by how recent the shared item is for the user and normalised by the
 * neighbour's history length; their purchases close after the user's last item count most.
 */
export function sessionKnn(train: readonly number[][], items: number, o: SessionKnnOptions): UserScores {
  const buyers: number[][] = Array.from({ length: items }, () => []);
  train.forEach((sequence, user) => {
    for (const item of sequence) buyers[item]!.push(user);
  });
  return (user) => {
    const sequence = train[user]!;
    const recent = [...sequence].reverse().slice(0, o.depth);
    const similarity = new Map<number, number>();
    recent.forEach((item, position) => {
      for (const other of buyers[item]!) {
        if (other !== user) similarity.set(other, (similarity.get(other) ?? 0) + 0.5 ** position);
      }
    });
    const nearest = [...similarity]
      .map(([other, s]) => [other, s / Math.sqrt(train[other]!.length)] as const)
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, o.neighbours);
    const last = recent[0];
    const scores = new Map<number, number>();
    for (const [other, s] of nearest) {
      const theirs = train[other]!;
      const at = last === undefined ? -1 : theirs.indexOf(last);
      theirs.forEach((item, position) => {
        const distance = position - at;
        const weight = at < 0 ? 1 : distance > 0 ? o.decay ** (distance - 1) : o.decay ** -distance;
        scores.set(item, (scores.get(item) ?? 0) + s * weight);
      });
    }
    for (const item of sequence) scores.delete(item);
    return scores;
  };
}

/**
 * Item-item cosine on co-purchases weighted by inverse user frequency (a customer with n
 * purchases adds 1/log2(1 + n) per pair), scored from the user's latest purchases with
 * recency half-life 1.
 */
export function itemKnnIuf(train: readonly number[][], depth = 10): UserScores {
  const pairs = new Map<number, Map<number, number>>();
  const norms = new Map<number, number>();
  for (const sequence of train) {
    const distinct = [...new Set(sequence)];
    const weight = 1 / Math.log2(1 + distinct.length);
    for (const a of distinct) {
      norms.set(a, (norms.get(a) ?? 0) + weight * weight);
      let row = pairs.get(a);
      if (!row) {
        row = new Map();
        pairs.set(a, row);
      }
      for (const b of distinct) if (a !== b) row.set(b, (row.get(b) ?? 0) + weight * weight);
    }
  }
  return (user) => {
    const sequence = train[user]!;
    const recent = [...new Set([...sequence].reverse())].slice(0, depth);
    const scores = new Map<number, number>();
    recent.forEach((a, position) => {
      const na = Math.sqrt(norms.get(a) ?? 1);
      for (const [b, c] of pairs.get(a) ?? []) {
        const cosine = c / (na * Math.sqrt(norms.get(b) ?? 1));
        scores.set(b, (scores.get(b) ?? 0) + 0.5 ** position * cosine);
      }
    });
    for (const item of sequence) scores.delete(item);
    return scores;
  };
}
