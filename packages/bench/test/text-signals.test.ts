import { describe, expect, it } from 'vitest';
import type { Item } from '../src/quality/amazon.js';
import { pairedNdcg } from '../src/quality/metrics.js';
import { affinitySignal, lexicalSignal } from '../src/quality/text-signals.js';

const item = (index: number, title: string, description: string, brand: string): Item => ({
  index,
  title,
  category: 'Lab',
  tags: [brand],
  description,
  brand,
  leaf: '',
});
const items = [
  item(0, 'Nitrile Gloves Large', 'Powder-free disposable gloves for the lab', 'Acme'),
  item(1, 'Nitrile Gloves Small', 'Powder-free disposable gloves, small size', 'Acme'),
  item(2, 'Digital Caliper', 'Stainless steel caliper measuring to 0.01 mm', 'Mitutoyo'),
  item(3, 'Dial Caliper', 'Stainless steel dial caliper with a shock-proof dial', 'Acme'),
  item(4, 'Beaker Set', 'Borosilicate glass beakers', 'Kimax'),
];
const options = {
  title: 1,
  tagWords: 0,
  wholeTags: 0,
  description: 0.5,
  mode: 'max' as const,
  depth: 5,
  halfLife: 1,
  maxTerms: 32,
};

describe('text-side signals (quality text probes)', () => {
  it('TF-IDF similarity ranks the product sharing words with the latest purchase first, never a bought one', () => {
    const signal = lexicalSignal([[0, 2]], items, options)(0);
    expect(signal.best(3)[0]).toBe(3);
    expect(signal.best(5)).not.toContain(2);
    expect(signal.score(4)).toBe(0);
  });

  it('brand affinity grows with the share of recent purchases of that brand', () => {
    const brand = affinitySignal([[0, 1, 2]], items, (i) => [i.brand], { halfLife: 1, depth: 10, shrink: 0 })(
      0,
    );
    expect(brand.score(3)).toBeGreaterThan(brand.score(4));
    expect(brand.best(1)).toEqual([3]);
  });

  it('paired NDCG difference is the mean per-user gain with its standard error', () => {
    const before = [[1], [1], [1], [1]];
    const after = [[0], [0], [1], [1]];
    const p = pairedNdcg(before, after, [0, 0, 0, 1]);
    expect(p.diff).toBeCloseTo(0.5); // users 1 and 2 gain a hit at rank 1, the others do not move
    expect(p.se).toBeCloseTo(Math.sqrt(1 / 3 / 4));
  });
});
