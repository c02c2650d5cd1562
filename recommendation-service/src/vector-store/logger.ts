/**
 * The part of a pino/Fastify logger the stores use (object first, then message), so a
 * store can be given `app.log` without importing Fastify.
 */
export interface StoreLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: StoreLogger = { info() {}, warn() {}, error() {} };
