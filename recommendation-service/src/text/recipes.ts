import type { CustomerPurchases } from '@ecom/contracts';

/**
 * The original system's text recipes (api-contract.md, "Behaviour the original had"): what
 * gets embedded for a product and for a customer. Kept exactly, as the baseline.
 */

interface ProductText {
  categoryTitle: string;
  productTitle: string;
  tags: string[];
}

/** `category,title,tags`: lower-cased and trimmed, tags sorted and comma-joined. */
export function productText(product: ProductText): string {
  const tags = product.tags.map(clean).filter(Boolean).sort();
  return [clean(product.categoryTitle), clean(product.productTitle), ...tags].join(',');
}

/**
 * `age,gender,location,preference,categories,products,tags`: the last three are the sorted,
 * de-duplicated, lower-cased sets from the purchase history.
 */
export function customerText(
  profile: Pick<CustomerPurchases, 'age' | 'gender' | 'location' | 'preference'>,
  history: ProductText[],
): string {
  return [
    profile.age,
    ...[profile.gender, profile.location, profile.preference].map(clean),
    joinedSet(history.map((item) => item.categoryTitle)),
    joinedSet(history.map((item) => item.productTitle)),
    joinedSet(history.flatMap((item) => item.tags)),
  ].join(',');
}

function clean(value: string): string {
  return value.trim().toLowerCase();
}

function joinedSet(values: string[]): string {
  return [...new Set(values.map(clean).filter(Boolean))].sort().join(',');
}
