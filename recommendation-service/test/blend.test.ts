import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';
import { type BlendParams, blend, type Candidate, reasonText, shrink } from '../src/ranking/blend.js';
import { blendParams } from '../src/ranking/config.js';
import { partnerList } from '../src/ranking/purchase-stats.js';
import { behaviourEvidence } from '../src/ranking/signals.js';

const params: BlendParams = blendParams(readConfig({}));

describe('evidence shrinkage', () => {
  it('grows with support and never reaches 1', () => {
    expect(shrink(0, 2)).toBe(0);
    expect(shrink(-1, 2)).toBe(0);
    expect(shrink(2, 2)).toBe(0.5);
    const values = [1, 2, 5, 20, 1000].map((e) => shrink(e, 2));
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(values.every((v) => v > 0 && v < 1)).toBe(true);
    expect(shrink(3, 0)).toBe(1);
  });

  it('makes one coincidental co-purchase weaker than many', () => {
    const ranked = blend(
      [
        { productId: 1, together: { value: 1, from: 9 } },
        { productId: 2, together: { value: 30, from: 9 } },
      ],
      params,
      { limit: 2 },
    );
    expect(ranked.map((r) => r.productId)).toEqual([2, 1]);
    expect(ranked[0]!.score).toBeGreaterThan(ranked[1]!.score * 2.5);
  });
});

describe('blend', () => {
  it('keeps every score in [0, 1], even with extreme evidence and similarity out of range', () => {
    const candidates: Candidate[] = [
      {
        productId: 1,
        content: 1.5,
        profile: 2,
        together: { value: 1e9 },
        next: { value: 1e9 },
        purchases: 1e9,
      },
      { productId: 2, content: -0.7 },
      { productId: 3 },
      { productId: 4, content: 0.3, together: { value: 0.2 }, purchases: 1 },
    ];
    const ranked = blend(candidates, params, { limit: 10 });
    expect(ranked).toHaveLength(4);
    for (const item of ranked) {
      expect(item.score).toBeGreaterThanOrEqual(0);
      expect(item.score).toBeLessThanOrEqual(1);
    }
    expect(ranked[0]!.productId).toBe(1);
    expect(ranked[0]!.score).toBeGreaterThan(0.99);
  });

  it('gives the same scores for the same evidence whatever else is in the request (no per-request scaling)', () => {
    const a: Candidate = { productId: 1, content: 0.4, together: { value: 3, from: 7 }, purchases: 12 };
    const alone = blend([a], params, { limit: 1 })[0]!.score;
    const withStrongRival = blend(
      [a, { productId: 2, content: 0.9, together: { value: 500 }, next: { value: 80 }, purchases: 5000 }],
      params,
      { limit: 2 },
    ).find((r) => r.productId === 1)!.score;
    expect(withStrongRival).toBe(alone);
  });

  it('breaks ties by purchases, then by lower product id', () => {
    const ranked = blend(
      [
        { productId: 30, content: 0.5, purchases: 2 },
        { productId: 10, content: 0.5, purchases: 2 },
        { productId: 20, content: 0.5, purchases: 2 },
        { productId: 40, content: 0.5, purchases: 2.0000001 },
      ],
      { ...params, weights: { ...params.weights, popular: 0 } },
      { limit: 4 },
    );
    expect(ranked.map((r) => r.productId)).toEqual([40, 10, 20, 30]);
  });

  it('never returns an excluded product or one product twice, and honours the limit', () => {
    const candidates: Candidate[] = Array.from({ length: 20 }, (_, i) => ({
      productId: i + 1,
      content: 1 - i / 40,
    }));
    candidates.push({ productId: 3, content: 1 });
    const ranked = blend(candidates, params, { limit: 5, exclude: new Set([1, 2]) });
    expect(ranked.map((r) => r.productId)).toEqual([3, 4, 5, 6, 7]);
  });

  it('lets content carry a sparse catalog: a single coincidental co-purchase does not beat a strong match', () => {
    // Demo-sized shop: the customer bought a fitness tracker (id 1).
    const ranked = blend(
      [
        { productId: 2, content: 0.62, purchases: 3 }, // running shorts
        { productId: 3, content: 0.05, together: { value: 1, from: 1 }, purchases: 4 }, // coffee grinder
      ],
      params,
      { limit: 2 },
    );
    expect(ranked.map((r) => r.productId)).toEqual([2, 3]);
    expect(ranked[0]!.reason).toEqual({ kind: 'similar_to' });
  });

  it('lets behaviour take over in a dense catalog: strong co-purchase evidence beats a moderate text match', () => {
    const ranked = blend(
      [
        { productId: 2, content: 0.45, purchases: 40 },
        {
          productId: 3,
          content: 0.3,
          together: { value: 25, from: 1 },
          next: { value: 12, from: 1 },
          purchases: 60,
        },
      ],
      params,
      { limit: 2 },
    );
    expect(ranked.map((r) => r.productId)).toEqual([3, 2]);
    expect(ranked[0]!.reason.kind).toMatch(/^bought_(next|together)$/);
    expect(ranked[0]!.reason.product_id).toBe(1);
  });

  it('names the strongest signal as the reason', () => {
    const [next, together, similar, profile, popular] = [
      blend([{ productId: 1, next: { value: 50, from: 8 }, content: 0.1 }], params, { limit: 1 }),
      blend([{ productId: 1, together: { value: 50, from: 9 }, content: 0.1 }], params, { limit: 1 }),
      blend([{ productId: 1, content: 0.8, purchases: 1 }], params, { limit: 1 }),
      blend([{ productId: 1, content: 0.8, purchases: 1 }], params, { limit: 1, profileOnly: true }),
      blend([{ productId: 1, purchases: 10 }], params, { limit: 1 }),
    ].map((ranked) => ranked[0]!.reason);
    expect(next).toEqual({ kind: 'bought_next', product_id: 8 });
    expect(together).toEqual({ kind: 'bought_together', product_id: 9 });
    expect(similar).toEqual({ kind: 'similar_to' });
    expect(profile).toEqual({ kind: 'matches_profile' });
    expect(popular).toEqual({ kind: 'popular' });
    expect(reasonText({ kind: 'similar_to', product_id: 7 }, 'PulseTrack Fit 3')).toBe(
      'Because you bought PulseTrack Fit 3',
    );
  });

  it('never calls a product nobody bought popular: with no signal at all it is ranked from the profile', () => {
    // A category filter reaches products without purchases or similarity (a new category's).
    const nothing = [{ productId: 1 }, { productId: 2, content: -0.2 }, { productId: 3, purchases: 0 }];
    const ranked = blend(nothing, params, { limit: 3 });
    expect(ranked.map((item) => [item.score, item.reason.kind])).toEqual([
      [0, 'matches_profile'],
      [0, 'matches_profile'],
      [0, 'matches_profile'],
    ]);
  });

  it('ranks by a content bound but names another signal: the product is not known to be similar to a purchase', () => {
    const bounded = { productId: 1, content: 0.8, contentBounded: true, together: { value: 1, from: 9 } };
    const [item] = blend([bounded], params, { limit: 1 });
    // The bound is the larger part of the score, yet the reason is the co-purchase it really has.
    expect(item!.score).toBe(blend([{ ...bounded, contentBounded: false }], params, { limit: 1 })[0]!.score);
    expect(item!.reason).toEqual({ kind: 'bought_together', product_id: 9 });
    expect(
      blend([{ ...bounded, together: undefined, purchases: 3 }], params, { limit: 1 })[0]!.reason,
    ).toEqual({
      kind: 'popular',
    });
    // With nothing else to say, similar it is (the caller names the closest purchase).
    expect(
      blend([{ productId: 1, content: 0.8, contentBounded: true }], params, { limit: 1 })[0]!.reason,
    ).toEqual({
      kind: 'similar_to',
    });
  });
});

describe('behaviour evidence', () => {
  it('sums recency-weighted pair weights and remembers the purchase that contributed most', () => {
    const lists = new Map([
      [
        1,
        partnerList([
          [10, 4],
          [11, 1],
        ]),
      ], // newest purchase
      [
        2,
        partnerList([
          [10, 2],
          [12, 8],
        ]),
      ],
    ]);
    const evidence = behaviourEvidence([1, 2], (id) => lists.get(id) ?? partnerList([]), 5, 1);
    expect(evidence.get(10)).toMatchObject({ value: 4 + 0.5 * 2, from: 1 });
    expect(evidence.get(12)).toMatchObject({ value: 4, from: 2 });
    expect(evidence.get(11)).toMatchObject({ value: 1, from: 1 });
    // Depth 1: only the newest purchase counts.
    expect(behaviourEvidence([1, 2], (id) => lists.get(id) ?? partnerList([]), 1, 1).has(12)).toBe(false);
  });
});
