import fc from 'fast-check';
import {
  CONTENT_TYPES,
  hostileText,
  hostileValue,
  MALFORMED_BODIES,
  ODD_JSON_BODIES,
  REQUEST_IDS,
} from './hostile.js';
import type { JsonSchema, Operation, Parameter } from './openapi.js';
import { validValue } from './schema-arbitrary.js';

/** One generated request, ready for `app.inject` (or fetch). */
export interface FuzzRequest {
  method: Operation['method'];
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /** What kind of case this is, for the summary: valid, hostile-param, malformed-json, ... */
  kind: string;
}

export interface FuzzOptions {
  /** The service token internal routes expect; sent on most requests to them. */
  token?: string | undefined;
}

type Part<T> = { value: T; hostile: boolean };

/**
 * Requests for one operation, generated from its OpenAPI schemas: about half valid (so the
 * handlers and the database are really reached), half with one or more hostile parts:
 * wrong types, values out of bounds, missing or extra fields, huge strings and arrays,
 * unicode, SQL- and path-looking text, malformed JSON, wrong content types.
 */
export function requestsFor(operation: Operation, options: FuzzOptions = {}): fc.Arbitrary<FuzzRequest> {
  const pathArb = pathFor(operation);
  const queryArb = queryFor(operation.queryParams);
  const bodyArb = operation.body
    ? bodyFor(operation.body)
    : fc.constant<Part<string | undefined>>({ value: undefined, hostile: false });
  const contentTypeArb = operation.body
    ? fc.oneof(
        {
          arbitrary: fc.constant<Part<string | undefined>>({ value: 'application/json', hostile: false }),
          weight: 8,
        },
        {
          arbitrary: fc.constantFrom(...CONTENT_TYPES).map((value) => ({ value, hostile: true })),
          weight: 2,
        },
      )
    : fc.constant<Part<string | undefined>>({ value: undefined, hostile: false });
  const authArb = authFor(operation, options.token);
  const requestIdArb = fc.option(fc.constantFrom(...REQUEST_IDS), { nil: undefined, freq: 4 });

  return fc
    .record({
      path: pathArb,
      query: queryArb,
      body: bodyArb,
      contentType: contentTypeArb,
      auth: authArb,
      requestId: requestIdArb,
    })
    .map(({ path, query, body, contentType, auth, requestId }) => {
      const headers: Record<string, string> = {};
      if (contentType.value !== undefined && body.value !== undefined)
        headers['content-type'] = contentType.value;
      if (auth.value) headers.authorization = auth.value;
      if (requestId !== undefined) headers['x-request-id'] = requestId;
      const parts = { path, query, body, contentType, auth } as Record<string, Part<unknown>>;
      const hostile = Object.entries(parts)
        .filter(([, part]) => part.hostile)
        .map(([name]) => name);
      const request: FuzzRequest = {
        method: operation.method,
        url: query.value ? `${path.value}?${query.value}` : path.value,
        headers,
        ...(body.value === undefined ? {} : { payload: body.value }),
        kind: hostile.length === 0 ? 'valid' : `hostile:${hostile.join('+')}`,
      };
      // fast-check prints counterexamples with this: keep megabyte values readable.
      Object.defineProperty(request, fc.toStringMethod, { value: () => summarize(request) });
      return request;
    });
}

/** Percent-encodes like a client would; lone surrogates (not encodable) become U+FFFD first. */
function encode(text: string): string {
  return encodeURIComponent(
    text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  );
}

function pathFor(operation: Operation): fc.Arbitrary<Part<string>> {
  if (operation.pathParams.length === 0) return fc.constant({ value: operation.path, hostile: false });
  const params = operation.pathParams.map((parameter) => paramValue(parameter));
  return fc.tuple(...params).map((values) => {
    let path = operation.path;
    operation.pathParams.forEach((parameter, index) => {
      const part = values[index]!;
      path = path.replace(`{${parameter.name}}`, part.value);
    });
    return { value: path, hostile: values.some((part) => part.hostile) };
  });
}

/** A path segment: valid, or hostile (percent-encoded, so it reaches the route), or raw traversal. */
function paramValue(parameter: Parameter): fc.Arbitrary<Part<string>> {
  return fc.oneof(
    {
      arbitrary: validValue(parameter.schema).map((value) => ({
        value: encode(String(value)),
        hostile: false,
      })),
      weight: 5,
    },
    { arbitrary: hostileText.map((value) => ({ value: encode(value), hostile: true })), weight: 4 },
    {
      arbitrary: fc
        .constantFrom('..', '.', '%2e%2e', '..%2f..%2fetc', '%00', '%ZZ', '%', '1%0d%0aSet-Cookie:%20x=1')
        .map((value) => ({ value, hostile: true })),
      weight: 1,
    },
  );
}

function queryFor(parameters: Parameter[]): fc.Arbitrary<Part<string>> {
  const entries = parameters.map((parameter) =>
    fc.oneof(
      {
        arbitrary: fc.constant<Part<string | null>>({ value: null, hostile: false }),
        weight: parameter.required ? 0 : 3,
      },
      {
        arbitrary: validValue(parameter.schema).map((value) => ({ value: String(value), hostile: false })),
        weight: 4,
      },
      { arbitrary: hostileText.map((value) => ({ value, hostile: true })), weight: 3 },
    ),
  );
  const extra = fc.oneof(
    { arbitrary: fc.constant<Part<string>>({ value: '', hostile: false }), weight: 6 },
    {
      arbitrary: fc
        .constantFrom(
          'unknown=1',
          'limit=1&limit=2',
          'skip[]=1',
          'limit[$gt]=0',
          '__proto__[x]=1',
          'a=%',
          '&&&=&',
          `q=${'x'.repeat(5_000)}`,
        )
        .map((value) => ({ value, hostile: true })),
      weight: 2,
    },
  );
  return fc.tuple(fc.tuple(...entries), extra).map(([values, extraPart]) => {
    const pairs = parameters.flatMap((parameter, index) => {
      const part = values[index]!;
      return part.value === null ? [] : [`${encode(parameter.name)}=${encode(part.value)}`];
    });
    if (extraPart.value) pairs.push(extraPart.value);
    return { value: pairs.join('&'), hostile: extraPart.hostile || values.some((part) => part.hostile) };
  });
}

function bodyFor(schema: JsonSchema): fc.Arbitrary<Part<string>> {
  const valid = validValue(schema);
  const json = (value: unknown) => JSON.stringify(value) ?? 'null';
  const properties = Object.keys(schema.properties ?? {});
  const mutations: fc.WeightedArbitrary<Part<string>>[] = [
    { arbitrary: valid.map((value) => ({ value: json(value), hostile: false })), weight: 6 },
    // The whole body of the wrong kind.
    { arbitrary: hostileValue.map((value) => ({ value: json(value), hostile: true })), weight: 2 },
    {
      arbitrary: fc
        .constantFrom(...MALFORMED_BODIES, ...ODD_JSON_BODIES)
        .map((value) => ({ value, hostile: true })),
      weight: 1,
    },
  ];
  if (properties.length > 0) {
    mutations.push(
      // One field replaced by something hostile.
      {
        arbitrary: fc
          .tuple(valid, fc.constantFrom(...properties), hostileValue)
          .map(([value, key, bad]) => ({ value: json({ ...(value as object), [key]: bad }), hostile: true })),
        weight: 4,
      },
      // A field missing.
      {
        arbitrary: fc.tuple(valid, fc.constantFrom(...properties)).map(([value, key]) => {
          const copy = { ...(value as Record<string, unknown>) };
          delete copy[key];
          return { value: json(copy), hostile: true };
        }),
        weight: 2,
      },
      // Extra fields, including keys that mean something to JavaScript or to us.
      {
        arbitrary: fc
          .tuple(
            valid,
            fc.constantFrom('id', 'extra', 'constructor', 'toString', 'created_at', 'is_admin'),
            hostileValue,
          )
          .map(([value, key, extra]) => ({
            value: json({ ...(value as object), [key]: extra }),
            hostile: true,
          })),
        weight: 2,
      },
    );
  }
  return fc.oneof(...mutations);
}

function authFor(operation: Operation, token: string | undefined): fc.Arbitrary<Part<string | undefined>> {
  if (!operation.internal || !token) {
    return fc.oneof(
      { arbitrary: fc.constant<Part<string | undefined>>({ value: undefined, hostile: false }), weight: 9 },
      {
        arbitrary: fc.constantFrom('Bearer x', 'Basic YTpi').map((value) => ({ value, hostile: false })),
        weight: 1,
      },
    );
  }
  return fc.oneof(
    {
      arbitrary: fc.constant<Part<string | undefined>>({ value: `Bearer ${token}`, hostile: false }),
      weight: 8,
    },
    {
      arbitrary: fc
        .constantFrom(
          undefined,
          '',
          'Bearer',
          `Bearer ${token}x`,
          `bearer ${token}`,
          token,
          `Bearer ${'x'.repeat(token.length)}`,
        )
        .map((value) => ({ value, hostile: true })),
      weight: 2,
    },
  );
}

/** A one-line description of a request, long values cut. */
export function summarize(request: FuzzRequest): string {
  const cut = (text: string, max: number) =>
    text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
  const payload = request.payload === undefined ? '' : ` body=${cut(JSON.stringify(request.payload), 300)}`;
  return `[${request.kind}] ${request.method} ${cut(request.url, 300)} headers=${cut(JSON.stringify(request.headers), 200)}${payload}`;
}
