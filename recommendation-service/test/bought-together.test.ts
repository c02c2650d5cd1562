import type { RunningService } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partnerList } from '../src/ranking/purchase-stats.js';
import { startAlone } from './helper.js';

const W = 40;
const Z = 41;

function product(id: number, title: string) {
  return { product_id: id, product_title: title, category_id: 1, category_title: 'Tools', product_tags: [] };
}

describe('GET /recommendation/products/{id}/bought-together', () => {
  let reco: RunningService<'recommendation-service'>;

  beforeAll(async () => {
    reco = await startAlone();
    const stored = await fetch(`${reco.url}/recommendation/products/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ products: [product(W, 'Wrench'), product(Z, 'Zip Ties')] }),
    });
    expect(stored.status).toBe(200);
  });
  afterAll(async () => {
    await reco?.close();
  });

  it('reads past any number of partners not in the catalog until it has `limit` known ones', async () => {
    // Z's strongest partners are products this service does not know (deleted, or no vector
    // yet): more of them than twice the limit asked for, then W.
    const unknown = [901, 902, 903, 904, 905];
    const together = new Map([[Z, partnerList([...unknown.map((id) => [id, 5] as const), [W, 1]])]]);
    reco.app.deps.coPurchases.update({
      version: 0,
      purchases: 0,
      customers: 0,
      popularity: new Map(),
      trending: new Map(),
      partners: { together, next: new Map() },
    });
    for (const limit of [1, 2, 10]) {
      const answer = await fetch(`${reco.url}/recommendation/products/${Z}/bought-together?limit=${limit}`);
      expect(answer.status).toBe(200);
      const partners = (await answer.json()) as { product_id: number; score: number }[];
      expect(partners, `limit=${limit}`).toEqual([expect.objectContaining({ product_id: W, score: 1 })]);
    }
  });
});
