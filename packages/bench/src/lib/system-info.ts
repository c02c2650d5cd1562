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

/** Number of purchases, through the purchase feed the recommendation service also reads. */
export async function purchaseCount(catalogUrl: string): Promise<number> {
  let count = 0;
  let after = 0;
  for (;;) {
    const page = await requestJson<{ id: number }[]>(`${catalogUrl}/Purchases/?after_id=${after}&limit=5000`);
    count += page.length;
    if (page.length < 5000) return count;
    after = page[page.length - 1]!.id;
  }
}
