import { requestJson } from './http.js';

/** Total of a paged list endpoint (the X-Total-Count header). */
export async function totalCount(url: string): Promise<number> {
  const response = await fetch(url);
  await response.arrayBuffer();
  const total = Number(response.headers.get('x-total-count'));
  if (!response.ok || !Number.isFinite(total))
    throw new Error(`no X-Total-Count from ${url} (${response.status})`);
  return total;
}

/** Every customer id, through the paged public list. */
export async function customerIds(userUrl: string): Promise<number[]> {
  const ids: number[] = [];
  for (let skip = 0; ; skip += 100) {
    const page = await requestJson<{ id: number }[]>(`${userUrl}/customer/?skip=${skip}&limit=100`);
    ids.push(...page.map((customer) => customer.id));
    if (page.length < 100) return ids;
  }
}

/**
 * Purchases through the feed the recommendation service also reads: all of them, and the
 * distinct (customer, product) pairs, which is what its co-purchase statistics count (a
 * repeat purchase adds no new pair).
 */
export async function purchaseCount(catalogUrl: string): Promise<{ total: number; distinct: number }> {
  const pairs = new Set<string>();
  let total = 0;
  let after = 0;
  for (;;) {
    const page = await requestJson<{ id: number; customer_id: number; product_id: number }[]>(
      `${catalogUrl}/Purchases/?after_id=${after}&limit=5000`,
    );
    total += page.length;
    for (const purchase of page) pairs.add(`${purchase.customer_id}:${purchase.product_id}`);
    if (page.length < 5000) return { total, distinct: pairs.size };
    after = page[page.length - 1]!.id;
  }
}
