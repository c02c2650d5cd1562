import fc from 'fast-check';

/** Strings that look like attacks or trip encoders, drivers and parsers. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\t\n',
  // SQL
  "' OR '1'='1",
  '1; DROP TABLE product; --',
  "Robert'); DELETE FROM customer; --",
  '1 UNION SELECT usename, passwd FROM pg_shadow',
  '$1',
  '%',
  '_',
  '\\',
  // paths and URLs
  '../../../../etc/passwd',
  '..%2f..%2f..%2fetc%2fpasswd',
  'C:\\Windows\\system32\\config\\SAM',
  'file:///etc/passwd',
  'http://169.254.169.254/latest/meta-data/',
  // templates, markup, prototype keys
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j-style lookup, as an attacker sends it
  '${jndi:ldap://example.invalid/a}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  // encodings: NUL, lone surrogates, BOM, direction overrides, combining marks, astral
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ufeffbom',
  '\u202eevil\u202c',
  'Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357\u0358\u0359\u035a',
  '😀🇳🇴👩‍👩‍👧‍👦',
  'ﷺ',
  'Ω≈ç√∫˜µ≤≥÷',
  '田中さんにあげて下さい',
  // number-looking
  '0',
  '-1',
  '1.5',
  '1e3',
  '1e400',
  '-0',
  '0x10',
  '0b11',
  'NaN',
  'Infinity',
  '-Infinity',
  '99999999999999999999999999',
  '2147483648',
  '-2147483649',
  'true',
  'null',
  'undefined',
  '[]',
  '{}',
];

/** Big values: past every documented bound, still under the 1 MiB body limit. */
export const HUGE_VALUES: readonly unknown[] = [
  'x'.repeat(10_000),
  'é'.repeat(200_000), // 400 KB of UTF-8
  '😀'.repeat(100_000), // 400 KB of UTF-8, 200 000 UTF-16 units
  Array.from({ length: 50_000 }, (_, index) => index),
  Array.from({ length: 5_000 }, (_, index) => `tag-${index}`),
  Object.fromEntries(Array.from({ length: 5_000 }, (_, index) => [`key${index}`, index])),
];

const HOSTILE_NUMBERS: readonly number[] = [
  0,
  -1,
  -2_147_483_648,
  2_147_483_648,
  -2_147_483_649,
  4_294_967_296,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  Number.MIN_SAFE_INTEGER,
  1.5,
  -0.5,
  1e-300,
  1e308,
  -1e308,
];

/** A JSON value of the wrong kind or outside every bound, for any position in a request. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom(...HOSTILE_STRINGS), weight: 4 },
  { arbitrary: fc.constantFrom(...HOSTILE_NUMBERS), weight: 3 },
  { arbitrary: fc.constantFrom(null, true, false, [], {}, [null], { a: 1 }, ['a', 1, null]), weight: 2 },
  { arbitrary: fc.constantFrom(...HUGE_VALUES), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 300 }), weight: 2 },
);

/** A path or query value as a client could send it: any string, percent-encoded or raw. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.constantFrom(...HOSTILE_NUMBERS).map(String),
  fc.constantFrom('x'.repeat(5_000), '9'.repeat(400)),
  fc.string({ unit: 'binary', maxLength: 100 }),
);

/** Bodies that are not JSON at all: 400. */
export const MALFORMED_BODIES: readonly string[] = [
  '{',
  '}',
  '{"title": }',
  "{'title': 'single quotes'}",
  '{"title": "unterminated}',
  '{"a": 1,}',
  '{"a": 1} trailing',
  'NaN',
  '[1, 2',
  '\u0000',
];

/**
 * Valid JSON that is unusual: anything but a 5xx is fine (400, 422, or stored as sent). An
 * empty body is no body (422 where one is required) and prototype keys are dropped by the
 * parser (service-kit json-body.ts), so the rest of such a body is validated as usual.
 */
export const ODD_JSON_BODIES: readonly string[] = [
  '',
  '{"__proto__": {"polluted": true}}',
  '{"constructor": {"prototype": {"polluted": true}}}',
  '\ufeff{}',
  '{"title": "\\ud800"}',
  '{"title": "\\u0000"}',
  '{"title": "a\\u0000b", "tags": ["\\u0000"]}',
  '{"a": 1, "a": 2}',
  '1e999999',
  'null',
  '[]',
  '"text"',
  `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
  `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`,
];

export const CONTENT_TYPES: readonly (string | undefined)[] = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
  '*/*',
  ';;;',
  undefined,
];

/** Request ids a client may send: ours must stay usable in logs and headers. */
export const REQUEST_IDS: readonly string[] = [
  'abc-123',
  'x'.repeat(2_000),
  '../../etc/passwd',
  '<script>',
  "'; DROP TABLE x; --",
  '   ',
  '\u00e9\u00e8',
];
