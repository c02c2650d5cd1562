// The OpenAPI examples of the three services, in one place and taken from the demo data that
// `npm start` imports (dataset.csv: 57 customers, 11 categories, 151 products, 599 purchases).
// Swagger UI's "Try it out" sends them as they are, so on a fresh demo each must succeed and
// change nothing its reader did not ask for:
// - what is read, and what an internal write sends, is a record of the demo exactly as stored
//   (re-vectorising product 17 from this payload leaves its vector and its answers as they were);
// - a public POST creates a record the demo lacks, and the PUT beside it edits that record, at
//   the id a fresh demo gives it (the next after the imported ones).
// packages/reliability/test/openapi-examples.test.ts tries every write's example on the demo.

/** Demo category 1. */
export const demoCategory = { id: 1, title: 'Electronics' };

/** Demo product 17, as catalog-service stores it. */
export const demoProduct = {
  id: 17,
  title: 'Lumora 35mm f/1.8 Prime Lens',
  category_id: demoCategory.id,
  description:
    'Compact L-mount prime lens with a fast f/1.8 aperture and a quiet stepping autofocus motor, ideal for street photography and portraits.',
  tags: ['Lens', 'Prime', 'L-Mount', 'Photography'],
};

/** Demo product 22, often bought with product 17. */
export const demoPartner = {
  id: 22,
  title: 'Lumora X5 Mirrorless Camera Body',
  category_id: demoCategory.id,
};

/** Demo customer 3. */
export const demoCustomer = {
  id: 3,
  title: 'Priya Raman',
  gender: 'Female',
  age: 41,
  location: 'Chicago',
  preference: 'Home & Kitchen, Grocery & Gourmet',
};

/** What catalog-service's outbox sends recommendation-service for demo product 17. */
export const demoProductPayload = {
  product_id: demoProduct.id,
  product_title: demoProduct.title,
  category_id: demoCategory.id,
  category_title: demoCategory.title,
  product_tags: demoProduct.tags,
  product_description: demoProduct.description,
};

/** POST /Purchases/'s example: customer 3 buys product 17; a fresh demo gives the purchase id 600. */
export const newPurchase = {
  product_id: demoProduct.id,
  customer_id: demoCustomer.id,
  category_id: demoCategory.id,
};
export const createdPurchase = { id: 600, ...newPurchase, purchased_at: '2026-11-25T10:15:00.000Z' };

/** POST /customer/'s example (a name no demo customer has); PUT /customer/'s edits it. */
export const newCustomer = {
  title: 'Nadia Castellanos',
  gender: 'Female',
  age: 34,
  location: 'Madrid',
  preference: 'Books, Garden',
};
export const updatedCustomer = { id: 58, ...newCustomer, location: 'Lisbon' };

/** POST /category/'s example (a title no demo category has); PUT /category/'s renames it. */
export const newCategory = { title: 'Musical Instruments' };
export const updatedCategory = { id: 12, title: 'Music & Instruments' };

/** POST /products/'s example, in demo category 9 (Garden); PUT /products/'s edits it. */
export const newProduct = {
  title: 'Stainless Steel Garden Trowel',
  category_id: 9,
  description: 'Rust-proof trowel with a soft-grip handle.',
  tags: ['Garden Tools', 'Stainless Steel'],
};
export const updatedProduct = {
  id: 152,
  ...newProduct,
  description: 'Rust-proof trowel with a soft-grip handle and depth markings.',
};

/** An id no demo product has: removing its vector changes nothing. */
export const unknownProductId = 999_999;
