import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoGoals, loadDemo } from '../src/quality/demo-data.js';

describe('demo data in the offline replay', () => {
  it('reads dataset.csv as the services load it: products by name, customers with their purchases', async () => {
    const demo = await loadDemo(path.resolve(import.meta.dirname, '../../../dataset.csv'));
    expect(demo.train).toHaveLength(57);
    expect(demo.train.flat()).toHaveLength(599);
    expect(new Set(demo.items.map((item) => item.title.toLowerCase())).size).toBe(demo.items.length);
    expect(demo.preferences[0]).toBe('Sports & Outdoors, Clothing');
  });

  it('category affinity counts stated and bought categories; concentration the most shared top-5 product', () => {
    const item = (index: number, category: string) => ({
      index,
      title: `P${index}`,
      category,
      tags: [],
      description: '',
      brand: '',
      leaf: '',
    });
    const demo = {
      items: [item(0, 'Books'), item(1, 'Garden'), item(2, 'Toys'), item(3, 'Books')],
      train: [[0], [1]],
      preferences: ['Toys', ''],
    };
    // Customer 0 likes Toys (stated) and Books (bought); customer 1 only Garden.
    const goals = demoGoals(
      [
        [2, 3],
        [3, 2],
      ],
      demo,
    );
    expect(goals.affinity).toBe(2 / 4);
    expect(goals.maxTop5Share).toBe(1);
  });
});
