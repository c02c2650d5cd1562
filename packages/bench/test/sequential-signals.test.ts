import { describe, expect, it } from 'vitest';
import { nextProbabilities, trainSequential } from '../src/quality/sequential-signals.js';

// Items 0 and 1 are both followed by 2; only 0 is ever followed by 3; 4 is followed by 5 or 6.
// The last customer bought 2, then 1: "bought next" counts know nothing of 1 → 3.
const train = [
  ...Array.from({ length: 6 }, () => [0, 2]),
  ...Array.from({ length: 6 }, () => [0, 3]),
  ...Array.from({ length: 6 }, () => [1, 2]),
  ...Array.from({ length: 6 }, () => [4, 5]),
  ...Array.from({ length: 6 }, () => [4, 6]),
  [2, 1],
];
const options = {
  dims: 8,
  epochs: 60,
  learningRate: 0.1,
  regularization: 0.001,
  negatives: 3,
  window: 1,
  decay: 1,
  userFactors: false,
};

describe.each(['dot', 'translation'] as const)('factorized sequential model (%s)', (kind) => {
  it('scores a transition never observed through items bought in the same places', () => {
    const model = trainSequential(train, 7, { ...options, kind });
    const history = train[train.length - 1]!;
    const p = nextProbabilities(model.logits(train.length - 1, history), new Set(history));
    expect(p[3]).toBeGreaterThan(p[5]!);
    expect(p[3]).toBeGreaterThan(p[6]!);
    expect(p[1]).toBe(0);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });
});
