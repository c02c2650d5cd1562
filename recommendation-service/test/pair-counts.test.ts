import { describe, expect, it } from 'vitest';
import { trendIncrements } from '../src/ranking/pair-counts.js';

describe('trending popularity increments', () => {
  it('adds 1 to the new purchase and moves each earlier one a step back (half-life 1)', () => {
    // Tail oldest first: 7 is the newest earlier purchase (weight 1 -> 0.5), 8 before it (0.5 -> 0.25).
    expect(trendIncrements([8, 7], 9)).toEqual([
      [9, 1],
      [7, -0.5],
      [8, -0.25],
    ]);
  });

  it('says nothing new for a repeat purchase', () => {
    expect(trendIncrements([8, 7], 8)).toBeNull();
  });

  it('touches only the newest ten half-lives, however long the history', () => {
    const tail = Array.from({ length: 50 }, (_, i) => i + 1);
    expect(trendIncrements(tail, 99)).toHaveLength(1 + 10);
    expect(trendIncrements(tail, 99, 2)).toHaveLength(1 + 20);
    // Half-life 2: the newest earlier purchase goes from 1 to 0.5^(1/2).
    expect(trendIncrements(tail, 99, 2)![1]![1]).toBeCloseTo(-(1 - Math.SQRT1_2), 12);
  });
});
