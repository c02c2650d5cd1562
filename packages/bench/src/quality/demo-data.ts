/**
 * The project's demo data (dataset.csv) in the offline replay's shape, and the demo goals of
 * `pnpm bench:quality-demo` (issue 11 goal 2) computed on the replay's lists: a seconds-long
 * check that a setting chosen on Amazon does not break the demo, before the services run.
 */
import { parseDataset } from '../../../dataset/src/index.js';
import type { Item } from './amazon.js';

export interface DemoData {
  items: Item[];
  /** Per customer, product indexes in purchase (file) order. */
  train: number[][];
  /** Per customer, the stated preferences. */
  preferences: string[];
}

/** Products are keyed by name, as catalog-service stores them; customers in order of appearance. */
export async function loadDemo(file: string): Promise<DemoData> {
  const items: Item[] = [];
  const byName = new Map<string, number>();
  const customers = new Map<number, { preference: string; purchases: number[] }>();
  for await (const line of parseDataset(file)) {
    if (line.kind !== 'row') continue;
    const { row } = line;
    const key = row.productName.toLowerCase();
    if (!byName.has(key)) {
      byName.set(key, items.length);
      const { productName: title, category, tags, description } = row;
      items.push({ index: items.length, title, category, tags, description, brand: '', leaf: '' });
    }
    const customer = customers.get(row.customer.id) ?? { preference: row.customer.preference, purchases: [] };
    customers.set(row.customer.id, customer);
    customer.purchases.push(byName.get(key)!);
  }
  const list = [...customers.values()];
  return { items, train: list.map((c) => c.purchases), preferences: list.map((c) => c.preference) };
}

/**
 * As quality-demo.ts: category affinity = share of the top-10 items whose category the customer
 * prefers or has bought from; concentration = the largest share of customers with one product
 * in their top 5.
 */
export function demoGoals(lists: readonly (readonly number[])[], data: DemoData) {
  let liked = 0;
  let total = 0;
  const top5 = new Map<number, number>();
  lists.forEach((list, user) => {
    const categories = new Set(
      [...data.preferences[user]!.split(','), ...data.train[user]!.map((id) => data.items[id]!.category)]
        .map((name) => name.trim().toLowerCase())
        .filter(Boolean),
    );
    for (const id of list.slice(0, 10)) {
      total++;
      if (categories.has(data.items[id]!.category.toLowerCase())) liked++;
    }
    for (const id of list.slice(0, 5)) top5.set(id, (top5.get(id) ?? 0) + 1);
  });
  return { affinity: liked / Math.max(1, total), maxTop5Share: Math.max(0, ...top5.values()) / lists.length };
}
