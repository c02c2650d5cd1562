import { describe, expect, it } from 'vitest';
import { implicitAls, itemKnnIuf, sessionKnn } from '../src/quality/learned-signals.js';

// Two kinds of customers: lab buyers (items 0-2) and workshop buyers (items 3-5); the last
// customer of each kind has not bought one item of their kind yet.
const train = [
  ...Array.from({ length: 6 }, () => [0, 1, 2]),
  ...Array.from({ length: 6 }, () => [3, 4, 5]),
  [0, 1],
  [3, 4],
];
const best = (scores: ReadonlyMap<number, number>) =>
  [...scores].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => id);

describe('learned collaborative signals (quality probes)', () => {
  it('implicit ALS ranks the missing item of the customer’s own kind first, never a bought one', () => {
    const scores = implicitAls(train, 6, {
      factors: 4,
      regularization: 0.1,
      alpha: 10,
      iterations: 10,
      cgSteps: 3,
    });
    expect(best(scores(12))[0]).toBe(2);
    expect(best(scores(13))[0]).toBe(5);
    expect([...scores(12).keys()]).not.toContain(0);
  });

  it('session kNN follows what neighbours bought right after the customer’s last item', () => {
    const sequences = [
      [7, 0, 1],
      [8, 0, 1],
      [9, 0, 2],
      [6, 0],
    ];
    const scores = sessionKnn(sequences, 10, { neighbours: 10, depth: 5, decay: 0.5 });
    expect(best(scores(3))[0]).toBe(1);
    expect(scores(3).has(0)).toBe(false);
  });

  it('item-item with inverse user frequency scores co-purchased items of the latest purchase', () => {
    const scores = itemKnnIuf(train);
    expect(best(scores(12))).toEqual([2]);
    expect(best(scores(13))).toEqual([5]);
  });
});
