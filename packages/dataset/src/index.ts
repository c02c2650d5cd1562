export * from './customers.js';
export * from './parse-dataset.js';
