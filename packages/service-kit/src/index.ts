export * from './config.js';
export * from './create-server.js';
export * from './error-handler.js';
export * from './errors.js';
export * from './health.js';
export * from './http-client.js';
export * from './request-hygiene.js';
export * from './run-server.js';
