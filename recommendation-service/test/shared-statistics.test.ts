import { eventually, type RunningService } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buy as buyThrough,
  catalogSettled,
  json,
  newCustomer,
  REPLICAS_CAN_RUN,
  REPLICAS_NEED,
  type Stack,
  startReplica,
  startStack,
} from './helper.js';

interface Item {
  product_id: number;
  reason: { kind: string; product_id?: number; text: string };
}
interface Product {
  id: number;
  title: string;
  category_id: number;
  description: string;
  tags: string[];
}
interface Info {
  vector_count: number;
  indexed_products: number;
  purchase_statistics: { purchases: number; products: number; customers: number };
}

if (!REPLICAS_CAN_RUN) console.log(`skipping shared purchase statistics: ${REPLICAS_NEED}`);

function post<T>(url: string, body: unknown, method = 'POST'): Promise<T> {
  return json<T>(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/**
 * Two recommendation-service replicas on one Postgres database and one Milvus collection:
 * replica A follows the purchase feed; replica B is started later as a read-only replica
 * (it never reads the catalog's feed), so everything it knows about purchases comes from
 * the statistics A stored: nothing is replayed over HTTP at B's start. Product changes reach
 * A only (catalog-service's outbox names A), and B through the database.
 */
describe.skipIf(!REPLICAS_CAN_RUN)(`replicas share purchase statistics (${REPLICAS_NEED})`, () => {
  let stack: Stack;
  let replicaB: RunningService;
  let a: string;
  let b: string;
  let catalog: string;

  const customer = (title: string) => newCustomer(stack, title);
  const buy = (customerId: number, productId: number) => buyThrough(stack, customerId, productId);
  const info = (url: string) => json<Info>(`${url}/recommendation/info`);

  beforeAll(async () => {
    stack = await startStack();
    a = stack.recommendations.url;
    catalog = stack.catalog.url;
    await catalogSettled(stack);
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

    replicaB = await startReplica(stack);
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
    // B's answer above may come from the first of those purchases: wait for A to learn all 13,
    // then B must hold exactly what A holds, read from the database.
    const fromA = await eventually(
      async () => {
        const current = await info(a);
        return current.purchase_statistics.purchases === learned!.purchase_statistics.purchases + 13
          ? current
          : null;
      },
      20_000,
      'replica A learned the later purchases',
    );
    await eventually(
      async () => {
        const fromB = await info(b);
        return JSON.stringify(fromB.purchase_statistics) === JSON.stringify(fromA!.purchase_statistics);
      },
      5_000,
      'replica B holds every statistic replica A learned',
    );
  }, 120_000);

  // catalog-service's outbox delivers product changes to A only (as behind a load balancer).
  it('a product created, renamed or deleted through replica A shows on replica B, from the database', async () => {
    expect(replicaB, 'replica B, started by the test above').toBeDefined();
    const products = await json<Product[]>(`${catalog}/products/?limit=100`);
    const [x, y] = [products[10]!, products[20]!];
    for (let i = 0; i < 6; i++) {
      const id = await customer(`Directory Pattern ${i}`);
      await buy(id, x.id);
      await buy(id, y.id);
    }
    const target = await customer('Directory Target');
    await buy(target, x.id);
    const recommended = (url: string) => json<Item[]>(`${url}/recommendation/${target}?limit=20`);
    const status = async (url: string) => (await fetch(url)).status;
    await eventually(
      async () =>
        (await recommended(b)).some((item) => item.product_id === y.id && item.reason.product_id === x.id),
      20_000,
      'replica B recommends y because the target bought x',
    );
    /**
     * Waits until A shows the change, then until B does. B never receives the outbox's push, so a
     * change it shows came from the database (NOTIFY, or its feed tick). How fast is
     * `pnpm bench:freshness`'s claim; the lag is printed for people.
     */
    const reaches = async (what: string, shows: (url: string) => Promise<boolean>) => {
      await eventually(() => shows(a), 20_000, `replica A: ${what}`);
      const started = performance.now();
      await eventually(() => shows(b), 30_000, `replica B: ${what}`);
      console.log(`replica B: ${what} ${Math.round(performance.now() - started)} ms after replica A`);
    };

    // A twin of x: the nearest product to the target's only purchase.
    const twin = await post<Product>(`${catalog}/products/`, {
      ...x,
      id: undefined,
      title: `${x.title} twin`,
    });
    await reaches('recommends, lists and knows a new product', async (url) => {
      const [list, together, similar, current] = await Promise.all([
        recommended(url),
        status(`${url}/recommendation/products/${twin.id}/bought-together`),
        status(`${url}/recommendation/products/${twin.id}/similar`),
        info(url),
      ]);
      return (
        list.some((item) => item.product_id === twin.id) &&
        together === 200 &&
        similar === 200 &&
        current.indexed_products === current.vector_count
      );
    });

    const title = `Renamed product ${x.id}`;
    await post<Product>(`${catalog}/products/`, { ...x, title }, 'PUT');
    await reaches('shows the new title in bought-together and in reasons', async (url) => {
      const [together, list] = await Promise.all([
        json<{ product_id: number; product: string }[]>(
          `${url}/recommendation/products/${y.id}/bought-together`,
        ),
        recommended(url),
      ]);
      const reason = list.find((item) => item.product_id === y.id)?.reason;
      return (
        together.find((item) => item.product_id === x.id)?.product === title &&
        reason?.product_id === x.id &&
        reason.text.includes(title)
      );
    });

    expect((await fetch(`${catalog}/products/${twin.id}`, { method: 'DELETE' })).status).toBe(204);
    await reaches('stops recommending a deleted product and has no vector for it', async (url) => {
      const [list, together, similar] = await Promise.all([
        recommended(url),
        status(`${url}/recommendation/products/${twin.id}/bought-together`),
        status(`${url}/recommendation/products/${twin.id}/similar`),
      ]);
      return !list.some((item) => item.product_id === twin.id) && together === 404 && similar === 404;
    });
  }, 120_000);
});
