import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import {
  type Customer,
  countChars,
  customerCreateSchema,
  hasControlCharacters,
  isBlankName,
  normalizeName,
  vectorizeProductSchema,
} from '@ecom/contracts';
import { parse } from 'csv-parse';
import { z } from 'zod';

/** One purchase row of dataset.csv, validated and normalised. */
export interface DatasetRow {
  line: number;
  /** The API's customer, with the CSV's user_id as id. */
  customer: Customer;
  category: string;
  productName: string;
  description: string;
  tags: string[];
}

export interface RowIssue {
  line: number;
  action: 'rejected' | 'repaired';
  reason: string;
}

export type ParsedLine =
  | { kind: 'row'; row: DatasetRow; repaired?: RowIssue | undefined }
  | { kind: 'rejected'; issue: RowIssue };

const COLUMNS = [
  'user_id',
  'name',
  'age',
  'gender',
  'location',
  'preferences',
  'product_id',
  'category',
  'product_name',
  'description',
  'tags',
] as const;

const customer = z.toJSONSchema(customerCreateSchema, { io: 'input' }).properties ?? {};
const product = z.toJSONSchema(vectorizeProductSchema, { io: 'input' }).properties ?? {};

/** A number (maxLength, maxItems, maximum) the JSON Schema of a contract field states. */
function limit(field: unknown, key: 'maxLength' | 'maxItems' | 'maximum'): number {
  const value = (field as Record<string, unknown> | undefined)?.[key];
  if (typeof value !== 'number') throw new Error(`the contract states no ${key} here`);
  return value;
}

// The field limits of the API (packages/contracts: the customer and the product payload), so a
// row the services would refuse is rejected here, not truncated.
const MAX_AGE = limit(customer.age, 'maximum');
const MAX_TAGS = limit(product.product_tags, 'maxItems');
const MAX_TAG_LENGTH = limit((product.product_tags as { items?: unknown } | undefined)?.items, 'maxLength');
/** The text columns' maximum lengths, the required ones first. */
const MAX_LENGTH = {
  name: limit(customer.title, 'maxLength'),
  category: limit(product.category_title, 'maxLength'),
  product_name: limit(product.product_title, 'maxLength'),
  gender: limit(customer.gender, 'maxLength'),
  location: limit(customer.location, 'maxLength'),
  preferences: limit(customer.preference, 'maxLength'),
  description: limit(product.product_description, 'maxLength'),
};
/** The names and titles: required, and normalised as the API's title rules do (packages/contracts). */
const TITLES = ['name', 'category', 'product_name'] as const;
const REQUIRED = new Set<string>(TITLES);
/** The API refuses these inside its text fields (a description keeps tab and line breaks). */
const CONTROLS = 'contains a control character or bidi override';

/**
 * Streams dataset.csv row by row; trailing empty columns are ignored. A row whose unquoted
 * description spilled over into the following columns (the original's "1984" and "Mountain
 * Bike Elite" rows) is repaired: the extra fields re-joined into the description, the last
 * one is the tags. Every other malformed row is rejected with its line number and the reason.
 */
export async function* parseDataset(path: string): AsyncGenerator<ParsedLine> {
  // pipeline, not pipe: a read error (file gone, a folder) then ends the loop below with that
  // error instead of being an unhandled 'error' event that stops the process.
  const unreadable: ParsedLine[] = [];
  const records: AsyncIterable<{ record: string[]; info: { lines: number } }> = pipeline(
    createReadStream(path),
    parse({
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
      // Rows appended with another editor may end in \n where the file's first line ends in \r\n.
      record_delimiter: ['\r\n', '\n', '\r'],
      // A quote inside an unquoted field is text (Bob "the builder" Baker); a row the parser
      // still cannot read is rejected with its line, as other malformed rows are.
      relax_quotes: true,
      skip_records_with_error: true,
      on_skip: (error: { lines?: number; message: string } | undefined) => {
        if (error)
          unreadable.push(reject(error.lines ?? 0, `unreadable CSV: ${error.message.split('\n')[0]}`));
      },
    }),
    () => {},
  );
  let sawHeader = false;
  for await (const { record, info } of records) {
    yield* unreadable.splice(0);
    if (sawHeader) yield parseRecord(record, info.lines);
    else sawHeader = checkHeader(record);
  }
  yield* unreadable.splice(0);
  if (!sawHeader) throw new Error(`${path} is empty: expected a header line`);
}

function checkHeader(fields: string[]): true {
  const names = fields.map((field) => field.trim().toLowerCase());
  const missing = COLUMNS.filter((column) => !names.includes(column));
  if (missing.length > 0) throw new Error(`dataset header lacks column(s): ${missing.join(', ')}`);
  // The known columns must be the first eleven, in order, for spill-over repair to be safe.
  const misplaced = COLUMNS.findIndex((column, index) => names.lastIndexOf(column) !== index);
  if (misplaced !== -1)
    throw new Error(`dataset column ${COLUMNS[misplaced]} must be column ${misplaced + 1}`);
  return true;
}

function parseRecord(raw: string[], line: number): ParsedLine {
  const fields = [...raw];
  while (fields.length > COLUMNS.length && fields.at(-1)?.trim() === '') fields.pop();
  const found = `expected ${COLUMNS.length} columns, found ${fields.length}`;
  if (fields.length < COLUMNS.length) return reject(line, found);
  let repaired: RowIssue | undefined;
  if (fields.length > COLUMNS.length) {
    // Spill-over: description split at its commas. Tags are the last field.
    const descriptionParts = fields.splice(9);
    const tags = descriptionParts.pop() ?? '';
    if (!looksLikeTags(tags)) return reject(line, `${found}, and the last is not a tag list`);
    const description = descriptionParts.join(',').replace(/"+\s*$/, '');
    fields.push(description.trim(), tags);
    const reason = `unquoted description spilled over ${descriptionParts.length} columns; re-joined`;
    repaired = { line, action: 'repaired', reason };
  }
  const value = Object.fromEntries(COLUMNS.map((column, index) => [column, fields[index]?.trim() ?? ''])) as {
    [column in (typeof COLUMNS)[number]]: string;
  };
  // As the API stores titles (invisible edges trimmed, NFC), so "Café" typed composed in one row
  // and decomposed in another is one product; lengths below are counted on the text as stored.
  for (const column of TITLES) value[column] = normalizeName(value[column]);

  const problems: string[] = [];
  // Postgres text cannot hold NUL, and the API refuses it too.
  if (fields.some((field) => field.includes('\u0000'))) problems.push('contains a NUL character');
  const userId = parseInteger(value.user_id);
  if (userId === null || userId < 1) problems.push(`user_id "${value.user_id}" is not a positive integer`);
  const age = parseInteger(value.age);
  if (age === null || age < 0 || age > MAX_AGE)
    problems.push(`age "${value.age}" is not an integer 0-${MAX_AGE}`);
  for (const [column, max] of Object.entries(MAX_LENGTH)) {
    const text = value[column as keyof typeof MAX_LENGTH];
    if (REQUIRED.has(column) && isBlankName(text))
      problems.push(`${column} is empty or only invisible characters`);
    else if (text.length > max && countChars(text) > max)
      problems.push(`${column} is longer than ${max} characters`);
    else if (hasControlCharacters(text, { multiline: column === 'description' }))
      problems.push(`${column} ${CONTROLS}`);
  }
  const tags = uniqueTags(value.tags.split(','));
  if (tags.length > MAX_TAGS) problems.push(`more than ${MAX_TAGS} tags`);
  if (tags.some((tag) => tag.length > MAX_TAG_LENGTH && countChars(tag) > MAX_TAG_LENGTH))
    problems.push(`a tag is longer than ${MAX_TAG_LENGTH} characters`);
  if (tags.some((tag) => hasControlCharacters(tag))) problems.push(`a tag ${CONTROLS}`);
  if (problems.length > 0 || userId === null || age === null) return reject(line, problems.join('; '));

  const row: DatasetRow = {
    line,
    customer: {
      id: userId,
      title: value.name,
      gender: value.gender,
      age,
      location: value.location,
      preference: value.preferences,
    },
    category: value.category,
    productName: value.product_name,
    description: value.description,
    tags,
  };
  return { kind: 'row', row, repaired };
}

/** Trimmed, blank ones and duplicates (ignoring case) dropped, first spelling and order kept. */
export function uniqueTags(tags: string[]): string[] {
  const seen = new Set<string>();
  const trimmed = tags.map((tag) => tag.trim());
  return trimmed.filter((tag) => tag && !seen.has(tag.toLowerCase()) && seen.add(tag.toLowerCase()));
}

// A tag list is short comma-separated phrases; a description fragment is a sentence.
function looksLikeTags(value: string): boolean {
  return value.split(',').every((part) => {
    const tag = part.trim();
    return tag.length > 0 && tag.length <= 40 && !/[."]$/.test(tag);
  });
}

function parseInteger(value: string): number | null {
  return /^-?\d{1,9}$/.test(value) ? Number(value) : null;
}

function reject(line: number, reason: string): ParsedLine {
  return { kind: 'rejected', issue: { line, action: 'rejected', reason } };
}
