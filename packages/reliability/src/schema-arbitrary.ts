import fc from 'fast-check';
import type { JsonSchema } from './openapi.js';

// Bounds that keep "valid" values cheap to generate and send; the hostile generators cover
// the extremes separately.
const MAX_GENERATED_STRING = 200;
const MAX_GENERATED_ITEMS = 8;

/**
 * Values that the schema accepts, in the shapes @fastify/swagger writes for our zod
 * schemas (types, bounds, lengths, enums, required properties). Integers lean towards the
 * small ids the seeded data has, so valid requests also reach existing rows.
 */
export function validValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && alternatives.length > 0) return fc.oneof(...alternatives.map(validValue));
  if (schema.allOf && schema.allOf.length > 0) return validValue(Object.assign({}, ...schema.allOf));
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const nullable = schema.nullable === true || types.includes('null');
  const type = types.find((candidate) => candidate !== 'null');
  const arbitrary = valueOfType(type, schema);
  return nullable ? fc.option(arbitrary, { nil: null, freq: 5 }) : arbitrary;
}

function valueOfType(type: string | undefined, schema: JsonSchema): fc.Arbitrary<unknown> {
  switch (type) {
    case 'integer':
      return integer(schema);
    case 'number':
      return fc.double({
        min: schema.minimum ?? -1e9,
        max: schema.maximum ?? 1e9,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'string':
      return string(schema);
    case 'array':
      return fc.array(validValue(schema.items ?? {}), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? MAX_GENERATED_ITEMS, MAX_GENERATED_ITEMS),
      });
    case 'object':
      return object(schema);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function integer(schema: JsonSchema): fc.Arbitrary<number> {
  const min = Math.max(
    schema.minimum ?? Number.MIN_SAFE_INTEGER,
    schema.exclusiveMinimum === undefined ? Number.MIN_SAFE_INTEGER : schema.exclusiveMinimum + 1,
  );
  const max = Math.min(
    schema.maximum ?? Number.MAX_SAFE_INTEGER,
    schema.exclusiveMaximum === undefined ? Number.MAX_SAFE_INTEGER : schema.exclusiveMaximum - 1,
  );
  // fast-check already biases towards small values; the explicit small range makes hitting
  // seeded rows (ids 1..50) common, and the bounds themselves are always worth a try.
  return fc.oneof(
    { arbitrary: fc.integer({ min: Math.max(min, 1), max: Math.min(max, 50) }), weight: 3 },
    { arbitrary: fc.integer({ min, max }), weight: 2 },
    { arbitrary: fc.constantFrom(min, max), weight: 1 },
  );
}

function string(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(
    minLength,
    Math.min(schema.maxLength ?? MAX_GENERATED_STRING, MAX_GENERATED_STRING),
  );
  return fc.oneof(
    fc.string({ minLength, maxLength, unit: 'grapheme-ascii' }),
    fc.string({ minLength, maxLength, unit: 'grapheme' }),
    // Any code point, astral planes included: lengths in UTF-16 units may pass the bound.
    fc.string({ minLength, maxLength, unit: 'binary' }),
    // Exactly at the documented bound (in UTF-16 code units, as zod counts).
    fc.constant('x'.repeat(schema.maxLength ?? maxLength)),
  );
}

function object(schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, property] of Object.entries(properties)) shape[key] = validValue(property);
  return fc.record(shape, {
    requiredKeys: Object.keys(properties).filter((key) => required.has(key)),
  }) as fc.Arbitrary<Record<string, unknown>>;
}
