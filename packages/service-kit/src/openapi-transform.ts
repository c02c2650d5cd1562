import { jsonSchemaTransform } from 'fastify-type-provider-zod';

type Transform = typeof jsonSchemaTransform;
// biome-ignore lint/suspicious/noExplicitAny: walking generated JSON Schema
type Schema = Record<string, any>;

/**
 * fastify-type-provider-zod's transform, with zod's `.nullable()` enums made valid OpenAPI 3.0.
 * zod writes `z.enum(['a']).nullable()` as `{ enum: ['a'], nullable: true }`, but `nullable`
 * only widens `type`: `enum` still refuses null unless it lists it (OpenAPI 3.0.3, Schema
 * Object; the 2019 "Clarify nullable" proposal), so every null answer broke its own document
 * (`failure` of GET /outbox/status). https://github.com/OAI/OpenAPI-Specification/issues/1900
 */
export const openApiTransform: Transform = (document) => {
  const transformed = jsonSchemaTransform(document);
  const { response, ...inputs } = transformed.schema as Schema;
  for (const part of Object.values(inputs)) addNullToNullableEnums(part);
  for (const answer of Object.values<Schema>(response ?? {})) {
    if (answer?.content) {
      for (const media of Object.values<Schema>(answer.content)) addNullToNullableEnums(media.schema);
    } else addNullToNullableEnums(answer);
  }
  return transformed;
};

const SUBSCHEMA = ['items', 'additionalProperties', 'not'];
const SUBSCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf'];

/** In place, through the keywords that hold subschemas (never `example`, a value). */
function addNullToNullableEnums(schema: unknown): void {
  if (!schema || typeof schema !== 'object') return;
  const node = schema as Schema;
  if (node.nullable === true && Array.isArray(node.enum) && !node.enum.includes(null)) node.enum.push(null);
  for (const child of Object.values<unknown>(node.properties ?? {})) addNullToNullableEnums(child);
  for (const key of SUBSCHEMA) addNullToNullableEnums(node[key]);
  for (const key of SUBSCHEMA_LISTS) for (const child of node[key] ?? []) addNullToNullableEnums(child);
}
