import { describe, expect, it } from 'vitest';
import { TimedBatchSize } from '../src/sync/timed-batch-size.js';

describe('a batch size that follows how long batches take', () => {
  it('takes as many items as fit the target time, between 1 and the bound, growing at most twofold', () => {
    const size = new TimedBatchSize(200, 1000, 100);
    expect(size.current).toBe(100);
    size.took(100, 800); // 4x too slow
    expect(size.current).toBe(25);
    size.took(25, 5); // far quicker than needed: doubles, not 1,000
    expect(size.current).toBe(50);
    size.took(50, 100);
    expect(size.current).toBe(100);
    size.took(100, 10_000);
    expect(size.current).toBe(2);
    size.took(2, 10_000);
    expect(size.current).toBe(1);
    for (let i = 0; i < 20; i++) size.took(size.current, 1);
    expect(size.current).toBe(1000);
    // The end of the work: a short batch that was quick keeps the size.
    size.took(3, 1);
    expect(size.current).toBe(1000);
  });
});
