import { describe, expect, it } from 'vitest';
import type { Item } from '../src/quality/amazon.js';
import { featureNames, type LtrInput, ltrRows } from '../src/quality/ltr-features.js';
import { DEFAULTS } from '../src/quality/offline-ranking.js';

const item = (index: number, category: string): Item => ({
  index,
  title: `Item ${index}`,
  category,
  tags: [],
  description: '',
  brand: '',
  leaf: '',
});

// Customer 3 bought item 0 only; two others bought 1 right after 0, one bought 2. Its target is 1.
const input: LtrInput = {
  train: [[0, 1], [0, 1], [0, 2], [0]],
  target: [2, 3, 1, 1],
  items: [item(0, 'Lab'), item(1, 'Lab'), item(2, 'Lab'), item(3, 'Optics')],
  hits: [
    [],
    [],
    [],
    [
      { id: 3, sim: 0.5 },
      { id: 1, sim: 0.4 },
    ],
  ],
  vectors: [
    [1, 0],
    [0.6, 0.8],
    [0, 1],
    [0.8, 0.6],
  ].map((v) => Float32Array.from(v)),
  settings: DEFAULTS,
  candidates: 100,
  signals: [{ name: 'p_probe', forUser: (user) => (id) => user * 10 + id }],
};
const names = featureNames(input.signals);
const rowsOf = (user: number, overrides: Partial<LtrInput> = {}) =>
  [...ltrRows({ ...input, ...overrides })].filter((row) => row.user === user);

describe('learning-to-rank feature rows', () => {
  it('lists the blend’s candidates best first and labels the held-out item 1', () => {
    const rows = rowsOf(3);
    expect(rows.map((row) => row.productId)).toEqual([1, 2, 3]);
    expect(rows.map((row) => row.label)).toEqual([1, 0, 0]);
    expect(rowsOf(3, { candidates: 2 }).map((row) => row.productId)).toEqual([1, 2]);
  });

  it('a target outside the candidates gives the user no positive row (a miss)', () => {
    // Nobody bought item 3 and customer 1 has no content neighbours: it is not a candidate.
    const rows = rowsOf(1);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.label === 0)).toBe(true);
  });

  it('carries the blend’s evidence before shrinkage, its score and the extra signals', () => {
    const values = Object.fromEntries(names.map((name, i) => [name, rowsOf(3)[0]!.values[i]!]));
    // Pairs 0→1 from customers 0 and 1, one place apart: 1 each, together and next. Trending:
    // item 1 is the newest purchase of two customers (1 each). Profile: its category is the
    // customer's one category (½ stated preference + ½ share).
    const expected = {
      b_rank: 0,
      b_content: 0.4,
      b_content_bounded: 0,
      b_content_rank: 1,
      b_profile: 1,
      b_together: 2,
      b_together_best: 2,
      b_together_from: 0,
      b_together_last: 2,
      b_next: 2,
      b_next_best: 2,
      b_next_from: 0,
      b_next_last: 2,
      b_trending: 2,
      b_popularity: 2,
      b_history: 1,
      b_category_last: 1,
      b_category_share: 1,
      b_content_last: 0.6,
      b_score: (0.4 + 0.2 * 1 + 0.6 * (2 / 6) + 1 * (2 / 6) + 0.1 * (2 / 52)) / 2.9,
      p_probe: 31,
    };
    for (const [name, value] of Object.entries(expected))
      expect([name, values[name]]).toEqual([name, expect.closeTo(value, 5)]);
    // Item 2 is outside the content neighbours: its content is the farthest neighbour's (a bound).
    const two = rowsOf(3)[1]!.values;
    expect(two[names.indexOf('b_content')]).toBeCloseTo(0.4);
    expect(two[names.indexOf('b_content_bounded')]).toBe(1);
    expect(two[names.indexOf('b_content_rank')]).toBe(2);
    expect(two[names.indexOf('b_next')]).toBe(1);
  });
});
