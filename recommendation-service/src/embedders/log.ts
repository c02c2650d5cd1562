/** The part of a pino/Fastify logger the embedders use (object first, as everywhere). */
export interface EmbedderLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}
