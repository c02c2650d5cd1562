/**
 * The part of a pino/Fastify logger the vector stores and embedders use (object first, then
 * message): they take `app.log`, and tests a recording one.
 */
export interface Log {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };
