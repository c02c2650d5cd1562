/**
 * Factorized sequential (next-item) models for the probes (quality-probes.ts): unlike the
 * "bought next" counts they score pairs never bought one after the other, through item
 * embeddings. One trainer, two scorings of a context c (the decayed mean of the latest
 * purchases' input vectors, plus a customer vector for FPMC):
 * - `dot`: x_i = c · Q_i + b_i (FPMC, Rendle et al. 2010; without the customer vector a CBOW
 *   predicting the next purchase, as Fossil's sequential part, He & McAuley 2016);
 * - `translation`: x_i = b_i − ‖c + T − γ_i‖², inputs and outputs sharing γ (TransRec, He et
 *   al. 2017, with one global translation T and, for the customer, t_u in c).
 * Served, either is a dot product per candidate with an item vector (‖γ_i‖² kept per item).
 * Trained by SGD on the sampled-softmax loss over the next purchase and `negatives` uniform
 * items (1 negative = BPR).
 */

export interface SequentialOptions {
  kind: 'dot' | 'translation';
  dims: number;
  epochs: number;
  learningRate: number;
  regularization: number;
  negatives: number;
  /** Latest purchases in the context, the k-th newest weighted decay^k. */
  window: number;
  decay: number;
  /** A vector per customer added to the context (FPMC / TransRec's t_u): needs fold-in to serve. */
  userFactors: boolean;
}

export interface SequentialModel {
  /** Logit of every item as the user's next purchase after `history` (the items bought included). */
  logits(user: number, history: readonly number[]): Float32Array;
}

export function trainSequential(
  train: readonly number[][],
  items: number,
  o: SequentialOptions,
  seed = 1,
): SequentialModel {
  const d = o.dims;
  let state = seed >>> 0;
  const random = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const init = (rows: number, scale: number) => {
    const m = new Float32Array(rows * d);
    for (let i = 0; i < m.length; i++) m[i] = (random() - 0.5) * scale;
    return m;
  };
  const input = init(items, 0.1);
  // TransRec has one item space: outputs are the inputs.
  const output = o.kind === 'translation' ? input : init(items, 0.1);
  const bias = new Float32Array(items);
  const users = new Float32Array(o.userFactors ? train.length * d : 0);
  const translation = new Float32Array(d);
  const c = new Float32Array(d);
  const gc = new Float32Array(d);
  const weights: number[] = [];

  /** c = Σ w_k input[l_k] / Σ w_k (+ t_u, + T): the context of the purchase after `history`. */
  const context = (user: number, history: readonly number[], end: number) => {
    c.fill(0);
    weights.length = 0;
    let total = 0;
    for (let k = 0; k < o.window && end - 1 - k >= 0; k++) {
      const w = o.decay ** k;
      weights.push(w);
      total += w;
      const row = history[end - 1 - k]! * d;
      for (let a = 0; a < d; a++) c[a]! += w * input[row + a]!;
    }
    for (let k = 0; k < weights.length; k++) weights[k]! /= total;
    if (total > 0) for (let a = 0; a < d; a++) c[a]! /= total;
    if (o.userFactors) for (let a = 0; a < d; a++) c[a]! += users[user * d + a]!;
    if (o.kind === 'translation') for (let a = 0; a < d; a++) c[a]! += translation[a]!;
  };
  const logit = (item: number) => {
    const row = item * d;
    let x = bias[item]!;
    if (o.kind === 'dot') {
      for (let a = 0; a < d; a++) x += c[a]! * output[row + a]!;
    } else {
      for (let a = 0; a < d; a++) x -= (c[a]! - output[row + a]!) ** 2;
    }
    return x;
  };

  const samples: [number, number][] = [];
  train.forEach((sequence, user) => {
    for (let t = 1; t < sequence.length; t++) samples.push([user, t]);
  });
  const chosen = new Int32Array(o.negatives + 1);
  const x = new Float64Array(o.negatives + 1);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = samples.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [samples[i], samples[j]] = [samples[j]!, samples[i]!];
    }
    // Linear decay of the step to a tenth: the last epochs settle.
    const lr = o.learningRate * (1 - (0.9 * epoch) / Math.max(1, o.epochs));
    for (const [user, t] of samples) {
      const sequence = train[user]!;
      const target = sequence[t]!;
      context(user, sequence, t);
      chosen[0] = target;
      for (let n = 1; n <= o.negatives; n++) {
        let negative = Math.floor(random() * items);
        while (negative === target) negative = Math.floor(random() * items);
        chosen[n] = negative;
      }
      let max = -Infinity;
      for (let n = 0; n < chosen.length; n++) {
        x[n] = logit(chosen[n]!);
        max = Math.max(max, x[n]!);
      }
      let sum = 0;
      for (let n = 0; n < chosen.length; n++) sum += Math.exp(x[n]! - max);
      gc.fill(0);
      for (let n = 0; n < chosen.length; n++) {
        // dLoss/dx_n of the softmax cross-entropy, the target at n = 0.
        const g = Math.exp(x[n]! - max) / sum - (n === 0 ? 1 : 0);
        const item = chosen[n]!;
        const row = item * d;
        for (let a = 0; a < d; a++) {
          const q = output[row + a]!;
          // dot: dx/dc = Q_i, dx/dQ_i = c. translation: dx/dc = −2(c − γ_i), dx/dγ_i = 2(c − γ_i).
          const dc = o.kind === 'dot' ? q : -2 * (c[a]! - q);
          const dq = o.kind === 'dot' ? c[a]! : 2 * (c[a]! - q);
          gc[a]! += g * dc;
          output[row + a] = q - lr * (g * dq + o.regularization * q);
        }
        bias[item]! -= lr * (g + o.regularization * bias[item]!);
      }
      weights.forEach((w, k) => {
        const row = sequence[t - 1 - k]! * d;
        for (let a = 0; a < d; a++) {
          input[row + a]! -= lr * (w * gc[a]! + o.regularization * input[row + a]!);
        }
      });
      if (o.userFactors) {
        for (let a = 0; a < d; a++) {
          users[user * d + a]! -= lr * (gc[a]! + o.regularization * users[user * d + a]!);
        }
      }
      if (o.kind === 'translation') for (let a = 0; a < d; a++) translation[a]! -= lr * gc[a]!;
    }
  }
  return {
    logits(user, history) {
      context(user, history, history.length);
      const out = new Float32Array(items);
      for (let i = 0; i < items; i++) out[i] = logit(i);
      return out;
    },
  };
}

/** P(next = i) over the items not bought: the softmax of the logits, bought items 0. */
export function nextProbabilities(logits: Float32Array, bought: ReadonlySet<number>): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (!bought.has(i)) max = Math.max(max, logits[i]!);
  const p = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    if (bought.has(i)) continue;
    p[i] = Math.exp(logits[i]! - max);
    sum += p[i]!;
  }
  for (let i = 0; i < p.length; i++) p[i]! /= sum;
  return p;
}
