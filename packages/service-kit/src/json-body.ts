import type { FastifyInstance } from 'fastify';

/**
 * The JSON body parser every service uses: Fastify's own (secure-json-parse), with three
 * differences a client can see.
 * - An empty body with `Content-Type: application/json` is no body: a DELETE sent by a
 *   client that always sets the header is handled like any DELETE (404, 204), and a POST
 *   without a body gets the 422 "expected object" of its schema instead of a 400.
 * - `__proto__` and `constructor.prototype` keys are dropped, not refused: they are never
 *   a field of ours, and a dropped key is what FastAPI does with unknown fields too.
 * - Lone UTF-16 surrogates (`"\ud800"`, valid JSON but not text) become U+FFFD in every
 *   string and key, so every service stores and answers the same replacement character
 *   instead of a driver error (Postgres, Milvus) or a silent difference between fields.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('remove', 'remove');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const raw = body as string;
    if (raw.trim() === '') {
      done(null, undefined);
      return;
    }
    parse(request, raw, (error, value) => {
      if (error) done(error, undefined);
      else done(null, wellFormed(value));
    });
  });
}

/** `value` with every lone surrogate in its strings and keys replaced by U+FFFD. */
export function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.toWellFormed();
  // Iterative: bodies may nest deeply. Objects are fixed in place (the parser made them).
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
