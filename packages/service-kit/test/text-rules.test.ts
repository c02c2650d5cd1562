import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { hasControlCharacters, text } from '../src/index.js';

// Security finding C: control characters and bidi overrides inside a text field were stored as
// sent (an ESC sequence in a log line, "Shoe \u202egnp.exe" shown as "Shoe exe.png").

const name = text({ max: 150, required: true, name: true });
const plain = text({ max: 150 });
const tag = text({ max: 100, required: true, forbid: ',' });
const description = text({ max: 1500, multiline: true });
const stored = text({ max: 150, required: true, stored: true });

const issues = (schema: z.ZodType, value: string) =>
  schema.safeParse(value).error?.issues.map((issue) => issue.message) ?? [];
const CONTROL = /^Must not contain control characters \(U\+0001-U\+001F, U\+007F-U\+009F\) or bidi/;

describe('control characters and bidi overrides in text', () => {
  it('are refused inside a value, each class by its own message', async () => {
    for (const inside of ['\u0001', '\u0007', '\u001b[2J', '\n', '\t', '\u007f', '\u0085', '\u009f']) {
      for (const schema of [name, plain, tag]) {
        expect(issues(schema, `Ann${inside}Red`), JSON.stringify(inside)).toEqual([
          expect.stringMatching(CONTROL),
        ]);
      }
    }
    for (const bidi of ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e']) {
      expect(issues(name, `Shoe ${bidi}gnp.exe`), JSON.stringify(bidi)).toEqual([
        expect.stringContaining('bidi embedding/override characters (U+202A-U+202E)'),
      ]);
      expect(issues(plain, `x${bidi}y`)).toHaveLength(1);
    }
    // Named `string_control` in the 422 entry, as a NUL is `string_nul`.
    const [issue] = name.safeParse('a\u001bb').error?.issues ?? [];
    expect((issue as { params?: unknown }).params).toEqual({ type: 'string_control' });
  });

  it('are trimmed at the edges as before, not refused', async () => {
    expect(name.parse(' Café\n')).toBe('Café');
    expect(name.parse('\u202eCafé\u202c')).toBe('Café');
    expect(plain.parse('\t Oslo \r\n')).toBe('Oslo');
    expect(description.parse('\n Line one\n')).toBe('Line one');
    // What trim does not remove stays refused at an edge too: ESC is no whitespace.
    expect(issues(plain, '\u001bOslo')).toHaveLength(1);
    expect(issues(plain, 'Oslo\u0085')).toHaveLength(1);
  });

  it('lets a description keep tab, line feed and carriage return inside, nothing else', async () => {
    expect(description.parse('Line one\r\n\tLine two')).toBe('Line one\r\n\tLine two');
    expect(issues(description, 'Bell\u0007 here')).toEqual([
      expect.stringMatching(/other than tab, line feed and carriage return/),
    ]);
    expect(issues(description, 'Form\ffeed')).toHaveLength(1);
    expect(issues(description, 'Shoe \u202egnp.exe')).toHaveLength(1);
  });

  it('keeps bidi isolates and marks, which cannot reverse Latin text', async () => {
    for (const value of [
      'a\u2066b\u2069c',
      'a\u2067b\u2069c',
      'x\u2068y\u2069z',
      'a\u200eb',
      'a\u200fb',
      'a\u061cb',
    ]) {
      expect(name.parse(value), JSON.stringify(value)).toBe(value);
      expect(plain.parse(value)).toBe(value);
    }
  });

  it('are kept in a value as stored, so rows written before the rule are still answered', async () => {
    expect(stored.parse('Ann\u001b[31mRed')).toBe('Ann\u001b[31mRed');
    expect(stored.parse('Shoe \u202egnp.exe')).toBe('Shoe \u202egnp.exe');
    expect(issues(stored, 'a\u0000')).toHaveLength(1);
  });

  it('hasControlCharacters is the same rule for readers that check it themselves (the dataset parser)', () => {
    expect([
      hasControlCharacters('a\u001bb'),
      hasControlCharacters('a\u202eb'),
      hasControlCharacters('a b'),
    ]).toEqual([true, true, false]);
    expect([
      hasControlCharacters('a\nb', { multiline: true }),
      hasControlCharacters('a\u000bb', { multiline: true }),
    ]).toEqual([false, true]);
  });
});

describe('the OpenAPI pattern', () => {
  const samples = [
    '',
    ' ',
    'Café',
    ' Café\n',
    '\nCafé ',
    'Ca\nfé',
    'Ca\tfé',
    'a\r\nb',
    '\u000bCafé\u000c',
    'Ca\u000bfé',
    '\u001bCafé',
    'Café\u001b',
    'Ann\u001b[31mRed',
    'a\u007fb',
    'a\u0085b',
    'Café\u0085',
    'Shoe \u202egnp.exe',
    '\u202eCafé',
    'Café\u202c ',
    '\u200b\u202e',
    'a\u2066b\u2069',
    'a\u200fb',
    'a,b',
    ' , ',
    '\u200b',
    '\u3000x\u3000',
    'x\u2028y',
    'Caf\u00e9 \u2764\ufe0f',
  ];

  it.each([
    ['a name', name, false],
    ['plain text', plain, false],
    ['a tag', tag, false],
    ['a description', description, false],
    ['stored text', stored, true],
  ])('says what %s accepts, sample by sample', (_, schema, asStored) => {
    const { pattern } = schema.meta() as { pattern: string };
    const regex = new RegExp(pattern, 'u');
    expect(regex.test('Shoe \u202egnp.exe')).toBe(asStored);
    for (const sample of samples) {
      expect(regex.test(sample), JSON.stringify(sample)).toBe(schema.safeParse(sample).success);
    }
  });
});
