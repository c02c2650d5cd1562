import type { FastifyInstance } from 'fastify';

/**
 * Fastify's JSON parser (secure-json-parse), with three differences a client can see:
 * - An empty body is no body: a DELETE from a client that always sets the header is handled
 *   like any DELETE, a POST without a body gets its schema's 422 instead of a 400.
 * - `__proto__` and `constructor.prototype` keys are dropped, as FastAPI drops unknown fields.
 * - Lone UTF-16 surrogates (`"\ud800"`, valid JSON but not text) become U+FFFD in every string
 *   and key: every store keeps the same character instead of a driver error (Postgres, Milvus).
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('remove', 'remove');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const raw = body as string;
    if (raw.trim() === '') return done(null, undefined);
    parse(request, raw, (error, value) => (error ? done(error, undefined) : done(null, wellFormed(value))));
  });
}

/** `value` with every lone surrogate in its strings and keys replaced by U+FFFD. */
export function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.toWellFormed();
  // Iterative: bodies may nest deeply. Objects and arrays are fixed in place (the parser made them).
  const stack = value !== null && typeof value === 'object' ? [value as Record<string, unknown>] : [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const key of Object.keys(node)) {
      let item = node[key];
      if (typeof item === 'string') item = item.toWellFormed();
      else if (item !== null && typeof item === 'object') stack.push(item as Record<string, unknown>);
      if (key.isWellFormed()) node[key] = item;
      else {
        delete node[key];
        node[key.toWellFormed()] = item;
      }
    }
  }
  return value;
}
