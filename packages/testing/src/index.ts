export * from './answers.js';
export * from './pglite-template.js';
export * from './service-apps.js';
