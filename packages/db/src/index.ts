export * from './dir-lock.js';
export * from './notification-listener.js';
export * from './open-database.js';
export * from './prisma-errors.js';
export * from './register-database.js';
export * from './scratch-database.js';
