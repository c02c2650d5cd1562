import type { RunningService } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, startAlone } from './helper.js';

// What the internal write routes' counts mean, as docs/internal-api.md and their OpenAPI
// descriptions say: catalog-service's outbox and operators read them.

function product(id: number, title: string) {
  return {
    product_id: id,
    product_title: title,
    category_id: 1,
    category_title: 'Tools',
    product_tags: ['steel'],
  };
}

describe('the counts of products/batch and products/delete', () => {
  let reco: RunningService<'recommendation-service'>;
  const post = (path: string, body: unknown) => send(`${reco.url}/recommendation/products/${path}`, body);

  beforeAll(async () => {
    reco = await startAlone();
  });
  afterAll(async () => {
    await reco?.close();
  });

  it('upserted: the distinct products sent; unchanged: those already stored as sent', async () => {
    // Product 50 named twice: counted once, its last entry stored.
    const batch = [product(50, 'Wrench'), product(51, 'Pliers'), product(50, 'Socket Wrench')];
    expect(await post('batch', { products: batch })).toEqual({ upserted: 2, unchanged: 0 });
    expect(await post('batch', { products: batch })).toEqual({ upserted: 2, unchanged: 2 });
    const renamed = [product(50, 'Torque Wrench'), product(51, 'Pliers')];
    expect(await post('batch', { products: renamed })).toEqual({ upserted: 2, unchanged: 1 });
  });

  it('deleted: the distinct ids sent, an id never stored included', async () => {
    expect(await post('delete', { product_ids: [51, 51, 999_999] })).toEqual({ deleted: 2 });
    const similar = await fetch(`${reco.url}/recommendation/products/51/similar`);
    expect(similar.status).toBe(404);
  });
});
