import { z } from 'zod';

// Field types of every wire schema. Each validates exactly what its OpenAPI schema says
// (schemathesis in CI holds the two together).

/** Postgres INT4, the type of every id column. */
export const MAX_ID = 2_147_483_647;

const DECIMAL = /^[+-]?\d+$/;

/**
 * An integer in a path or query string: decimal digits only, as in FastAPI (`0x10`, `1.6e1`,
 * ` 16` are a 422, where `z.coerce.number()` reads 16). The checks abort at the first failure,
 * so a 20-digit id is one 422 entry. Its default goes in `.prefault()`: the OpenAPI document
 * leaves out a `.default()` of a preprocessed value.
 */
export function queryInt(min: number, max: number) {
  return z.preprocess(
    (value) => (typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value),
    bodyInt(min, max),
  );
}

/** An integer in a JSON body: a JSON number, never a string. */
function bodyInt(min: number, max: number) {
  return z
    .number({
      error: (issue) => (issue.code === 'invalid_type' ? 'Input should be a valid integer' : undefined),
    })
    .min(min, { abort: true })
    .max(max, { abort: true })
    .int({ error: 'Input should be a valid integer' });
}

/** An id (1 … 2 147 483 647) in a path or query string. */
export const idParam = () => queryInt(1, MAX_ID).describe('Id (decimal digits, 1 … 2147483647)');
export const idField = () => bodyInt(1, MAX_ID);

// What String.prototype.trim removes (ECMAScript WhiteSpace and LineTerminator), spelled out
// so the pattern means the same in every regex dialect a client may use.
const WS = '\\t\\n\\u000b\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

// Characters that show nothing (Unicode's Default_Ignorable_Code_Point in the Basic Multilingual
// Plane: zero-width space and joiners, bidi controls, word joiner, variation selectors, Hangul
// fillers; U+FEFF is in WS), spelled out like WS. The astral ones (tag characters U+E0000…) are
// left out: a pattern naming them would not compile in every dialect.
const INVISIBLE =
  '\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180b-\\u180f\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u206f\\u3164\\ufe00-\\ufe0f\\uffa0\\ufff0-\\ufff8';
const VISIBLE = new RegExp(`[^${WS}${INVISIBLE}]`, 'u');
// A variation selector right after a visible character chooses how that character looks (the
// emoji style of "❤\ufe0f"), so it stays at the end; anywhere else at an edge it shows nothing.
const EDGES = new RegExp(
  `^[${WS}${INVISIBLE}]+|([\\u180b-\\u180f\\ufe00-\\ufe0f]*)[${WS}${INVISIBLE}]*$`,
  'gu',
);

/** Whether a name is blank by `text({ name: true })`'s rule: only whitespace and invisible characters. */
export const isBlankName = (value: string): boolean => !VISIBLE.test(value);

/**
 * A name as `text({ name: true })` stores it: whitespace and invisible characters trimmed from
 * both ends (so "\u200bCafé" and "Café\u00ad" are "Café"; those between visible characters are
 * kept), then Unicode NFC.
 */
export const normalizeName = (value: string): string => value.replace(EDGES, '$1').normalize('NFC');

// Characters refused inside input text (security finding C): C0 controls but NUL (its own rule
// below), DEL and C1 reach logs and terminals as escape sequences; the bidi embeddings and
// overrides U+202A–U+202E make a viewer show Latin text reversed ("Shoe \u202egnp.exe" reads
// "Shoe exe.png"), and UAX #9 deprecates them in favour of the isolates. The isolates
// U+2066–U+2069 (which i18n tools such as Fluent insert) and the marks LRM, RLM and ALM stay
// allowed: they cannot reverse a run of Latin letters. A multi-line text keeps tab, LF and CR.
const CONTROLS = '\\u0001-\\u001f\\u007f-\\u009f\\u202a-\\u202e';
const CONTROLS_BUT_LINES = '\\u0001-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u202a-\\u202e';
const CONTROL = new RegExp(`[${CONTROLS}]`, 'u');
const CONTROL_BUT_LINES = new RegExp(`[${CONTROLS_BUT_LINES}]`, 'u');
const RANGES = '(U+0001-U+001F, U+007F-U+009F) or bidi embedding/override characters (U+202A-U+202E)';

/**
 * Whether a value as stored (trimmed) holds a character `text()` refuses inside input: a
 * control character or a bidi embedding/override; with `multiline`, tab, LF and CR are text.
 */
export const hasControlCharacters = (value: string, { multiline = false } = {}): boolean =>
  (multiline ? CONTROL_BUT_LINES : CONTROL).test(value);

type TextRules = {
  max: number;
  required?: boolean;
  forbid?: string;
  /**
   * A name or title: stored in Unicode NFC, so "Café" typed composed (U+00E9) or decomposed
   * (e + U+0301, as macOS and some CSV exports write it) is one name; and, when required,
   * invisible characters alone are blank.
   */
  name?: boolean;
  /** Multi-line text (a description): tab, LF and CR are allowed inside. */
  multiline?: boolean;
  /**
   * A value as stored and answered, not as written: control characters are accepted, so a row
   * stored before they were refused is answered and delivered, never a 500 on the way out.
   */
  stored?: boolean;
};

export const NUL_MESSAGE = 'Text must not contain NUL (\\u0000) characters';

/**
 * Text as stored: trimmed, at most `max` code points (as VARCHAR and JSON Schema's `maxLength`)
 * counted before trimming, never NUL (Postgres cannot store it), unless `stored` no control
 * character or bidi override inside (what the trim removes at the edges is not inside), not
 * blank when `required`, without the `forbid` characters; the pattern documents all but the
 * length. Lone surrogates are U+FFFD already (json-body.ts). A `name` is counted as sent too,
 * and must still fit once normalised (the few characters NFC lengthens, such as U+0958, would
 * not fit a VARCHAR).
 */
export function text({
  max,
  required = false,
  forbid = '',
  name = false,
  multiline = false,
  stored = false,
}: TextRules) {
  const blank = name ? 'be blank or only invisible characters' : 'be blank';
  const rules = [required && blank, forbid && `contain ${JSON.stringify(forbid)}`];
  const controls = stored ? '' : multiline ? CONTROLS_BUT_LINES : CONTROLS;
  const banned = `\\u0000${controls}${forbid.replace(/[\\\]^-]/g, '\\$&')}`;
  const edge = name ? WS + INVISIBLE : WS;
  // Edges (trimmed), then text without banned characters from its first to its last character
  // that is not an edge one. No quantified group, so no catastrophic backtracking.
  const inside = `^[${edge}]*[^${edge}${banned}][^${banned}]*[${edge}]*$`;
  const pattern = required ? inside : `^[${edge}]*$|${inside}`;
  const regex = new RegExp(pattern, 'u');
  const store = name ? normalizeName : (value: string) => value.trim();
  let schema = z
    .string()
    .refine((value) => countChars(value) <= max, { message: `At most ${max} characters`, abort: true })
    .refine((value) => !value.includes('\u0000'), {
      message: NUL_MESSAGE,
      // The 422 entry's `type` (error-handler.ts), as the NUL guard of unvalidated parts answers.
      params: { type: 'string_nul' },
      abort: true,
    });
  if (!stored) {
    schema = schema.refine((value) => !hasControlCharacters(store(value), { multiline }), {
      message: multiline
        ? `Must not contain control characters other than tab, line feed and carriage return ${RANGES}`
        : `Must not contain control characters ${RANGES}`,
      params: { type: 'string_control' },
      abort: true,
    });
  }
  schema = schema
    .refine((value) => regex.test(value), { message: `Must not ${rules.filter(Boolean).join(' or ')}` })
    .overwrite(store);
  if (name) {
    schema = schema.refine((value) => countChars(value) <= max, {
      message: `At most ${max} characters once normalised to NFC`,
    });
  }
  // meta() last: these keys go into the JSON Schema as written.
  return schema.meta({ maxLength: max, ...(required ? { minLength: 1 } : {}), pattern });
}

/** Characters as the API's text rules count them: code points (a UTF-16 `length` counts an emoji twice). */
export function countChars(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

/** `{"detail": "..."}`: every error answer but 422. */
export const errorSchema = z
  .object({ detail: z.string().describe('What went wrong, for a person') })
  .meta({ example: { detail: 'Not found' } });

/** FastAPI's 422 body: one entry per problem, or a sentence for a rule across records. */
export const validationErrorSchema = z
  .object({
    detail: z.union([
      z.array(
        z.object({
          loc: z
            .array(z.union([z.string(), z.number()]))
            .describe('Where: body, path or query, then the field'),
          msg: z.string(),
          type: z.string(),
        }),
      ),
      z.string(),
    ]),
  })
  .meta({
    example: {
      detail: [{ loc: ['path', 'id'], msg: 'Input should be a valid integer', type: 'invalid_type' }],
    },
  });
