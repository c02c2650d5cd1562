import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { seededRandom } from '@ecom/testing/random';

export interface ScaledSize {
  products: number;
  customers: number;
  purchases: number;
}

export const SCALED: ScaledSize = { products: 20_000, customers: 5_000, purchases: 100_000 };

const CATEGORIES = [
  'Electronics',
  'Computers',
  'Home & Kitchen',
  'Garden & Outdoor',
  'Sports & Outdoors',
  'Toys & Games',
  'Books',
  'Clothing',
  'Shoes',
  'Beauty',
  'Health',
  'Grocery',
  'Pet Supplies',
  'Automotive',
  'Tools',
  'Office Products',
  'Music',
  'Baby',
  'Jewelry',
  'Luggage',
  'Industrial',
  'Arts & Crafts',
  'Furniture',
  'Lighting',
  'Kitchen Appliances',
  'Camera & Photo',
  'Video Games',
  'Cell Phones',
  'Software',
  'Watches',
  'Handmade',
  'Party Supplies',
  'Lab Equipment',
  'Safety',
  'Plumbing',
  'Electrical',
  'Hardware',
  'Paint',
  'Storage',
  'Bedding',
];
const BRANDS = [
  'Acme',
  'Northwind',
  'Contoso',
  'Fabrikam',
  'Globex',
  'Initech',
  'Umbrella',
  'Stark',
  'Wayne',
  'Tyrell',
  'Cyberdyne',
  'Hooli',
  'Vandelay',
  'Soylent',
  'Wonka',
  'Gringotts',
  'Oscorp',
  'Aperture',
  'Monarch',
  'Zorg',
];
const ADJECTIVES = [
  'Compact',
  'Deluxe',
  'Portable',
  'Wireless',
  'Heavy-Duty',
  'Ergonomic',
  'Smart',
  'Classic',
  'Premium',
  'Eco',
  'Ultra',
  'Mini',
  'Pro',
  'Digital',
  'Stainless',
  'Foldable',
  'Waterproof',
  'Rechargeable',
  'Modular',
  'Lightweight',
];
const NOUNS = [
  'Speaker',
  'Lamp',
  'Drill',
  'Kettle',
  'Backpack',
  'Charger',
  'Monitor',
  'Keyboard',
  'Blender',
  'Tent',
  'Jacket',
  'Sneaker',
  'Camera',
  'Watch',
  'Bottle',
  'Chair',
  'Desk',
  'Shelf',
  'Router',
  'Headphones',
  'Scale',
  'Pump',
  'Saw',
  'Brush',
  'Mat',
  'Cable',
  'Adapter',
  'Heater',
  'Fan',
  'Filter',
];
const FEATURES = [
  'long battery life',
  'fast charging',
  'quiet motor',
  'dishwasher safe',
  'two-year warranty',
  'USB-C',
  'Bluetooth 5.3',
  'recycled materials',
  'tool-free assembly',
  'adjustable height',
  'non-slip base',
  'water resistant',
  'energy saving',
  'travel friendly',
  'high precision',
  'easy to clean',
];

/**
 * A deterministic synthetic shop in the dataset.csv columns, one row per purchase: every
 * product is bought at least once (the CSV only carries products through purchases), the
 * rest follow a skewed popularity; customers mostly buy within a few favourite categories,
 * so the co-purchase statistics have realistic structure. Cached in the temp folder.
 */
export async function scaledDataset(size: ScaledSize = SCALED, seed = 7): Promise<string> {
  const dir = path.join(os.tmpdir(), 'ecom-bench-datasets');
  const file = path.join(dir, `scaled-${size.products}p-${size.customers}c-${size.purchases}r-s${seed}.csv`);
  if (existsSync(file)) return file;
  await mkdir(dir, { recursive: true });
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

  const products = Array.from({ length: size.products }, (_, index) => {
    const category = index % CATEGORIES.length;
    const brand = pick(BRANDS);
    const noun = pick(NOUNS);
    const name = `${brand} ${pick(ADJECTIVES)} ${noun} ${String.fromCharCode(65 + (index % 26))}${index}`;
    const features = [pick(FEATURES), pick(FEATURES)];
    return {
      category,
      name,
      description: `${name}: ${CATEGORIES[category]!.toLowerCase()} ${noun.toLowerCase()} with ${features.join(' and ')}.`,
      tags: [brand, noun, CATEGORIES[category]!, ...features].join(', '),
    };
  });
  const byCategory = CATEGORIES.map((_, category) =>
    products.flatMap((product, index) => (product.category === category ? [index] : [])),
  );
  // Skewed popularity inside a category: index^2 concentrates purchases on the first products.
  const popularIn = (category: number) => {
    const list = byCategory[category]!;
    return list[Math.floor(random() ** 2 * list.length)]!;
  };
  const customers = Array.from({ length: size.customers }, (_, index) => ({
    name: `Shopper ${index + 1}`,
    age: 18 + Math.floor(random() * 60),
    gender: pick(['Female', 'Male', 'Other']),
    location: `City ${Math.floor(random() * 200)}`,
    favourites: [0, 1, 2].map(() => Math.floor(random() * CATEGORIES.length)),
  }));

  const rows: string[] = [
    'user_id,name,age,gender,location,preferences,product_id,category,product_name,description,tags',
  ];
  const row = (customer: number, product: number) => {
    const c = customers[customer]!;
    const p = products[product]!;
    const preferences = [...new Set(c.favourites.map((f) => CATEGORIES[f]!))].join(', ');
    rows.push(
      [
        customer + 1,
        c.name,
        c.age,
        c.gender,
        c.location,
        quote(preferences),
        product + 1,
        quote(CATEGORIES[p.category]!),
        quote(p.name),
        quote(p.description),
        quote(p.tags),
      ].join(','),
    );
  };
  for (let i = 0; i < size.purchases; i++) {
    const customer = i < size.customers ? i : Math.floor(random() * size.customers);
    let product: number;
    if (i < size.products) {
      product = i; // every product at least once
    } else {
      const c = customers[customer]!;
      product = random() < 0.8 ? popularIn(pick(c.favourites)) : Math.floor(random() * size.products);
    }
    row(customer, product);
  }
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${rows.join('\n')}\n`);
  await rename(tmp, file);
  return file;
}

function quote(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
