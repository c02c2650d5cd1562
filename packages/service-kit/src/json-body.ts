import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.js';

/**
 * Fastify's JSON parser (secure-json-parse) with the differences docs/limits.md lists: an empty
 * body is no body (a DELETE from a client that always sends the header works; a POST without a
 * body gets its schema's 422), `__proto__` / `constructor.prototype` keys are dropped, lone
 * surrogates become U+FFFD (every store keeps the same character, not a driver error), and bytes
 * that are not UTF-8 are a 400 (RFC 8259 8.1): a Latin-1 "Café" was stored as "Caf\uFFFD".
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('remove', 'remove');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let raw: string;
    try {
      raw = utf8.decode(body as Buffer);
    } catch {
      return done(new HttpError(400, 'Malformed JSON body: not UTF-8'), undefined);
    }
    if (raw.trim() === '') return done(null, undefined);
    parse(request, raw, (error, value) => (error ? done(error, undefined) : done(null, wellFormed(value))));
  });
}

/** `value` with every lone surrogate in its strings and keys replaced by U+FFFD. */
export function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.toWellFormed();
  // Iterative: bodies may nest deeply. Fixed in place (the parser made them); arrays by index,
  // not through Object.keys, which would make a string key per element (4-5x slower on big arrays).
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (let index = 0; index < node.length; index++) {
        const item: unknown = node[index];
        if (typeof item === 'string') node[index] = item.toWellFormed();
        else if (item !== null && typeof item === 'object') stack.push(item);
      }
    } else if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        let item = record[key];
        if (typeof item === 'string') item = item.toWellFormed();
        else if (item !== null && typeof item === 'object') stack.push(item);
        if (key.isWellFormed()) record[key] = item;
        else {
          delete record[key];
          record[key.toWellFormed()] = item;
        }
      }
    }
  }
  return value;
}
