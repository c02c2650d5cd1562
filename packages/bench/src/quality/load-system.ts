import { mapLimit } from '../lib/concurrency.js';
import { gauge, requestJson, waitUntil } from '../lib/http.js';
import { seconds } from '../lib/machine.js';
import { type AmazonData, preference, type SplitData } from './amazon.js';

export interface Loaded {
  /** Catalog product id per item index. */
  productIdByItem: number[];
  itemByProductId: Map<number, number>;
  /** user-service customer id per user index. */
  customerIdByUser: number[];
  purchases: number;
  timings: Record<string, number>;
}

interface Urls {
  user: string;
  catalog: string;
  recommendation: string;
}

/**
 * Loads the split's training data through the public APIs, as a shop would: categories,
 * products, customers, then purchases in time order. Purchases go in rounds by position
 * (every user's 1st item, then every user's 2nd, ...), each round finished before the next,
 * so each customer's purchases are created in order and ids roughly follow time, as the
 * "bought next" statistics expect.
 */
export async function loadIntoSystem(
  urls: Urls,
  data: AmazonData,
  train: SplitData['train'],
  concurrency: number,
  log: (line: string) => void,
): Promise<Loaded> {
  const timings: Record<string, number> = {};
  let phase = Date.now();
  const lap = (name: string) => {
    timings[name] = seconds(Date.now() - phase);
    log(`  ${name}: ${timings[name]} s`);
    phase = Date.now();
  };

  const categoryNames = [...new Set(data.items.map((item) => item.category))].sort();
  const categoryIds = new Map<string, number>();
  await mapLimit(categoryNames, concurrency, async (title) => {
    const created = await requestJson<{ id: number }>(`${urls.catalog}/category/`, {
      method: 'POST',
      body: { title },
    });
    categoryIds.set(title, created.id);
  });
  lap('categories');

  const productIdByItem = await mapLimit(data.items, concurrency, async (item) => {
    const created = await requestJson<{ id: number }>(`${urls.catalog}/products/`, {
      method: 'POST',
      body: {
        title: item.title,
        category_id: categoryIds.get(item.category),
        description: item.description,
        tags: item.tags,
      },
    });
    return created.id;
  });
  lap('products');

  const customerIdByUser = await mapLimit(train, concurrency, async (items, user) => {
    const created = await requestJson<{ id: number }>(`${urls.user}/customer/`, {
      method: 'POST',
      body: {
        title: `User ${user}`,
        age: 0,
        gender: '',
        location: '',
        preference: preference(items, data.items),
      },
    });
    return created.id;
  });
  lap('customers');

  let purchases = 0;
  const longest = Math.max(...train.map((items) => items.length));
  for (let position = 0; position < longest; position++) {
    const round = train.flatMap((items, user) => (position < items.length ? [user] : []));
    await mapLimit(round, concurrency, async (user) => {
      await requestJson(`${urls.catalog}/Purchases/`, {
        method: 'POST',
        body: {
          customer_id: customerIdByUser[user],
          product_id: productIdByItem[train[user]![position]!],
        },
      });
    });
    purchases += round.length;
  }
  lap('purchases');

  await waitForRecommendation(urls.recommendation, data.items.length, purchases, log);
  lap('vectorised_and_statistics');

  const itemByProductId = new Map(productIdByItem.map((id, item) => [id, item]));
  return { productIdByItem, itemByProductId, customerIdByUser, purchases, timings };
}

interface Info {
  embedder: string;
  store: string;
  vector_count: number;
  indexed_products: number;
  purchase_statistics: { purchases: number };
}

/**
 * Until every product has its vector and every purchase is in the co-purchase statistics, and
 * with `neighbourLists` every product its neighbour list: a customer ranked before their
 * purchases' lists are built is ranked with a search, a few thousandths off (recommendation-service
 * README, "Start-up"), so a run that asks earlier varies.
 */
export async function waitForRecommendation(
  url: string,
  products: number,
  purchases: number,
  log: (line: string) => void,
  neighbourLists = false,
): Promise<Info> {
  let info: Info | undefined;
  let lastReport = 0;
  await waitUntil(
    'recommendation-service to vectorise every product and learn every purchase',
    async () => {
      info = await requestJson<Info>(`${url}/recommendation/info`);
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        log(
          `  vectors ${info.vector_count}/${products}, purchases ${info.purchase_statistics.purchases}/${purchases}`,
        );
      }
      // The directory too: a product is recommended once it lists it (after its vector is stored).
      const settled =
        info.vector_count === products &&
        info.indexed_products === products &&
        info.purchase_statistics.purchases === purchases;
      if (!settled) return false;
      return !neighbourLists || (await gauge(url, 'recommendation_content_neighbour_lists')) >= products;
    },
    1_800_000,
    500,
  );
  return info!;
}
