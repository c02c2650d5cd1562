export * from './catalog.js';
export * from './common.js';
export * from './customer.js';
export * from './customer-purchases.js';
export * from './examples.js';
export * from './product-payload.js';
