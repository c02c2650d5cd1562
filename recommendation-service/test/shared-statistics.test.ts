import { eventually, type RunningService, startService } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from './helper.js';

interface Item {
  product_id: number;
  reason: { kind: string; product_id?: number; text: string };
}
interface Info {
  vector_count: number;
  purchase_statistics: { purchases: number; products: number; customers: number };
}

const { DATABASE_URL, MILVUS_ADDRESS } = process.env;
const why = 'needs DATABASE_URL (Postgres) and MILVUS_ADDRESS (Milvus Lite): replicas share both';
if (!DATABASE_URL || !MILVUS_ADDRESS) console.log(`skipping shared purchase statistics: ${why}`);

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok)
    throw new Error(`${init?.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

function post<T>(url: string, body: unknown): Promise<T> {
  return json<T>(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/**
 * Two recommendation-service replicas on one Postgres database and one Milvus collection:
 * replica A follows the purchase feed; replica B is started later as a read-only replica
 * (it never reads the catalog's feed), so everything it knows about purchases comes from
 * the statistics A stored: nothing is replayed over HTTP at B's start.
 */
describe.skipIf(!DATABASE_URL || !MILVUS_ADDRESS)(`replicas share purchase statistics (${why})`, () => {
  let stack: Stack;
  let replicaB: RunningService;
  let a: string;
  let b: string;
  let catalog: string;
  let users: string;

  const customer = async (title: string) =>
    (
      await post<{ id: number }>(`${users}/customer/`, {
        title,
        gender: 'Female',
        age: 30,
        location: 'Oslo',
        preference: '',
      })
    ).id;
  const buy = (customerId: number, productId: number) =>
    post(`${catalog}/Purchases/`, { customer_id: customerId, product_id: productId });
  const info = (url: string) => json<Info>(`${url}/recommendation/info`);

  beforeAll(async () => {
    stack = await startStack();
    a = stack.recommendations.url;
    catalog = stack.catalog.url;
    users = stack.users.url;
    const total = Number((await fetch(`${catalog}/products/?limit=1`)).headers.get('x-total-count'));
    await eventually(
      async () => {
        const current = await info(a);
        return current.vector_count === total && current.purchase_statistics.purchases > 0;
      },
      60_000,
      'replica A vectorised the catalog and learned the seeded purchases',
    );
  }, 180_000);

  afterAll(async () => {
    await replicaB?.close();
    await stack?.close();
  });

  it('a replica started later uses what another learned, and keeps reading what it learns next', async () => {
    const products = await json<{ id: number }[]>(`${catalog}/products/?limit=100`);
    const [p, q, r] = [products[40]!.id, products[77]!.id, products[93]!.id];
    const before = (await info(a)).purchase_statistics.purchases;
    // A pattern no seeded customer has: six customers buy p, then q.
    for (let i = 0; i < 6; i++) {
      const id = await customer(`Replica Pattern ${i}`);
      await buy(id, p);
      await buy(id, q);
    }
    const target = await customer('Replica Target');
    await buy(target, p);
    const learned = await eventually(
      async () => {
        const current = await info(a);
        return current.purchase_statistics.purchases === before + 13 ? current : null;
      },
      20_000,
      'replica A learned the new purchases',
    );

    const { DATA_DIR: _ownDir, ...shared } = stack.recommendations.env;
    replicaB = await startService('recommendation-service', shared, {
      buildOptions: { learnPurchases: false },
    });
    b = replicaB.url;
    // Right after its start, B has A's statistics: loaded from the database, not replayed.
    expect((await info(b)).purchase_statistics).toEqual(learned!.purchase_statistics);
    const fromB = await json<Item[]>(`${b}/recommendation/${target}`);
    const suggested = fromB.find((item) => item.product_id === q);
    expect(suggested, 'q recommended by B after p').toBeDefined();
    expect(fromB.indexOf(suggested!)).toBeLessThan(3);
    expect(suggested!.reason).toMatchObject({ product_id: p });
    expect(suggested!.reason.kind).toMatch(/^bought_(next|together)$/);

    // What A learns from now on reaches B through the database.
    for (let i = 0; i < 6; i++) {
      const id = await customer(`Replica Later ${i}`);
      await buy(id, q);
      await buy(id, r);
    }
    await buy(target, q);
    await eventually(
      async () => {
        const list = await json<Item[]>(`${b}/recommendation/${target}`);
        const item = list.find((entry) => entry.product_id === r);
        return item?.reason.product_id === q;
      },
      20_000,
      'replica B recommends r after q, learned by replica A',
    );
    const [fromA, fromBNow] = [await info(a), await info(b)];
    expect(fromBNow.purchase_statistics).toEqual(fromA.purchase_statistics);
  }, 120_000);
});
