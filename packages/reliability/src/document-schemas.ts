import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';

// biome-ignore lint/suspicious/noExplicitAny: walking an arbitrary JSON document
type Json = Record<string, any>;

/**
 * Checks values against the schemas of one OpenAPI 3.0 document with Ajv, which reads
 * `nullable` as OpenAPI 3.0.3 defines it: it widens `type` only, so an `enum` must list null
 * for a null to pass. Answers the problems found, empty when the value is valid.
 */
export function documentValidator(document: Json): (schema: Json, value: unknown) => string[] {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ components: document.components ?? {} }, 'document');
  return (schema, value) => {
    // A `$ref` inside an operation points at the document's components.
    const scoped = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"document#/components/'));
    return ajv.validate(scoped, value) ? [] : [ajv.errorsText(ajv.errors)];
  };
}

/** Every `example` in a document, with the schema it sits in (or beside, on a media type or parameter). */
export function examplesOf(document: Json): { where: string; schema: Json; example: unknown }[] {
  const found: { where: string; schema: Json; example: unknown }[] = [];
  const walk = (where: string, schema: Json | undefined) => {
    if (!schema || typeof schema !== 'object') return;
    if ('example' in schema) found.push({ where, schema, example: schema.example });
    for (const [name, property] of Object.entries<Json>(schema.properties ?? {}))
      walk(`${where}.${name}`, property);
    if (schema.items) walk(`${where}[]`, schema.items);
    if (typeof schema.additionalProperties === 'object') walk(`${where}{}`, schema.additionalProperties);
    for (const key of ['anyOf', 'oneOf', 'allOf']) {
      for (const [i, branch] of (schema[key] ?? []).entries()) walk(`${where}<${key} ${i}>`, branch);
    }
  };
  const beside = (where: string, holder: Json) => {
    if ('example' in holder && holder.schema)
      found.push({ where, schema: holder.schema, example: holder.example });
    walk(where, holder.schema);
  };
  for (const [path, operations] of Object.entries<Json>(document.paths ?? {})) {
    for (const [method, operation] of Object.entries<Json>(operations)) {
      const name = `${method.toUpperCase()} ${path}`;
      for (const parameter of operation.parameters ?? [])
        beside(`${name} ${parameter.in} ${parameter.name}`, parameter);
      for (const [type, media] of Object.entries<Json>(operation.requestBody?.content ?? {})) {
        beside(`${name} body ${type}`, media);
      }
      for (const [status, response] of Object.entries<Json>(operation.responses ?? {})) {
        for (const [type, media] of Object.entries<Json>(response.content ?? {}))
          beside(`${name} ${status} ${type}`, media);
        for (const [header, spec] of Object.entries<Json>(response.headers ?? {}))
          beside(`${name} ${status} ${header}`, spec);
      }
    }
  }
  for (const [name, schema] of Object.entries<Json>(document.components?.schemas ?? {}))
    walk(`#/components/schemas/${name}`, schema);
  return found;
}
