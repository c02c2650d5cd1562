import { createReadStream } from 'node:fs';
import { customerCreateSchema, vectorizeProductSchema } from '@ecom/contracts';
import { parse } from 'csv-parse';
import { z } from 'zod';

/** A customer as dataset.csv describes them, in the API's field names. */
export interface DatasetCustomer {
  id: number;
  title: string;
  gender: string;
  age: number;
  location: string;
  preference: string;
}

/** One purchase row of dataset.csv, validated and normalised. */
export interface DatasetRow {
  line: number;
  customer: DatasetCustomer;
  /** The CSV's product id: not unique in the original dataset, kept for reference only. */
  productId: string;
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
  | { kind: 'row'; row: DatasetRow; repaired?: RowIssue }
  | { kind: 'rejected'; issue: RowIssue };

export const COLUMNS = [
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

/**
 * The field limits of the API (packages/contracts: the customer and the product payload), so a
 * row the services would refuse is rejected here, not truncated.
 */
export const LIMITS = {
  title: limit(customer.title, 'maxLength'),
  age: limit(customer.age, 'maximum'),
  gender: limit(customer.gender, 'maxLength'),
  location: limit(customer.location, 'maxLength'),
  preference: limit(customer.preference, 'maxLength'),
  productTitle: limit(product.product_title, 'maxLength'),
  categoryTitle: limit(product.category_title, 'maxLength'),
  description: limit(product.product_description, 'maxLength'),
  tags: limit(product.product_tags, 'maxItems'),
  tag: limit((product.product_tags as { items?: unknown } | undefined)?.items, 'maxLength'),
};

/**
 * Streams dataset.csv row by row. Columns are found by header name; trailing empty
 * columns are ignored. Rows whose unquoted description spilled over into the following
 * columns (the original's "1984" and "Mountain Bike Elite" rows) are repaired: the extra
 * fields are re-joined into the description and the last field is the tags. Every other
 * malformed row is rejected with its line number and the reason; nothing is shifted.
 */
export async function* parseDataset(path: string): AsyncGenerator<ParsedLine> {
  const parser = createReadStream(path).pipe(
    parse({
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
    }),
  );
  let header: Map<string, number> | null = null;
  for await (const record of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    const line = record.info.lines;
    if (!header) {
      header = readHeader(record.record);
      continue;
    }
    yield parseRecord(record.record, line);
  }
  if (!header) throw new Error(`${path} is empty: expected a header line`);
}

function readHeader(fields: string[]): Map<string, number> {
  const positions = new Map(fields.map((field, index) => [field.trim().toLowerCase(), index] as const));
  const missing = COLUMNS.filter((column) => !positions.has(column));
  if (missing.length > 0) throw new Error(`dataset header lacks column(s): ${missing.join(', ')}`);
  // The known columns must be the first eleven, in order, for spill-over repair to be safe.
  COLUMNS.forEach((column, index) => {
    if (positions.get(column) !== index)
      throw new Error(`dataset column ${column} must be column ${index + 1}`);
  });
  return positions;
}

function parseRecord(raw: string[], line: number): ParsedLine {
  const fields = [...raw];
  while (fields.length > COLUMNS.length && fields[fields.length - 1]?.trim() === '') fields.pop();
  let repaired: RowIssue | undefined;
  if (fields.length < COLUMNS.length) {
    return reject(line, `expected ${COLUMNS.length} columns, found ${fields.length}`);
  }
  if (fields.length > COLUMNS.length) {
    // Spill-over: description split at its commas. Tags are the last field.
    const descriptionParts = fields.slice(9, fields.length - 1);
    const tags = fields[fields.length - 1] ?? '';
    if (!looksLikeTags(tags)) {
      return reject(
        line,
        `expected ${COLUMNS.length} columns, found ${fields.length}, and the last is not a tag list`,
      );
    }
    const description = descriptionParts
      .join(',')
      .replace(/"+\s*$/, '')
      .trim();
    fields.splice(9, fields.length - 9, description, tags);
    repaired = {
      line,
      action: 'repaired',
      reason: `unquoted description spilled over ${descriptionParts.length} columns; re-joined`,
    };
  }
  const [
    userId,
    name,
    age,
    gender,
    location,
    preferences,
    productId,
    category,
    productName,
    description,
    tags,
  ] = fields.map((field) => field.trim());

  const problems: string[] = [];
  const parsedUserId = parseInteger(userId);
  if (parsedUserId === null || parsedUserId < 1)
    problems.push(`user_id "${userId}" is not a positive integer`);
  const parsedAge = parseInteger(age);
  if (parsedAge === null || parsedAge < 0 || parsedAge > LIMITS.age)
    problems.push(`age "${age}" is not an integer 0-${LIMITS.age}`);
  requireText(problems, 'name', name, LIMITS.title);
  requireText(problems, 'category', category, LIMITS.categoryTitle);
  requireText(problems, 'product_name', productName, LIMITS.productTitle);
  checkLength(problems, 'gender', gender, LIMITS.gender);
  checkLength(problems, 'location', location, LIMITS.location);
  checkLength(problems, 'preferences', preferences, LIMITS.preference);
  checkLength(problems, 'description', description, LIMITS.description);
  const tagList = splitTags(tags ?? '');
  if (tagList.length > LIMITS.tags) problems.push(`more than ${LIMITS.tags} tags`);
  if (tagList.some((tag) => tag.length > LIMITS.tag))
    problems.push(`a tag is longer than ${LIMITS.tag} characters`);
  if (problems.length > 0) return reject(line, problems.join('; '));

  const row: DatasetRow = {
    line,
    customer: {
      id: parsedUserId!,
      title: name!,
      gender: gender ?? '',
      age: parsedAge!,
      location: location ?? '',
      preference: preferences ?? '',
    },
    productId: productId ?? '',
    category: category!,
    productName: productName!,
    description: description ?? '',
    tags: tagList,
  };
  return repaired ? { kind: 'row', row, repaired } : { kind: 'row', row };
}

export function splitTags(tags: string): string[] {
  const seen = new Set<string>();
  const result: string[] = [];
  for (const tag of tags.split(',')) {
    const trimmed = tag.trim();
    if (trimmed && !seen.has(trimmed.toLowerCase())) {
      seen.add(trimmed.toLowerCase());
      result.push(trimmed);
    }
  }
  return result;
}

// A tag list is short comma-separated phrases; a description fragment is a sentence.
function looksLikeTags(value: string): boolean {
  const parts = value.split(',').map((part) => part.trim());
  return (
    parts.length >= 1 && parts.every((part) => part.length > 0 && part.length <= 40 && !/[."]$/.test(part))
  );
}

function parseInteger(value: string | undefined): number | null {
  if (value === undefined || !/^-?\d{1,9}$/.test(value)) return null;
  return Number(value);
}

function requireText(problems: string[], column: string, value: string | undefined, max: number): void {
  if (!value) problems.push(`${column} is empty`);
  else checkLength(problems, column, value, max);
}

function checkLength(problems: string[], column: string, value: string | undefined, max: number): void {
  if (value && value.length > max) problems.push(`${column} is longer than ${max} characters`);
}

function reject(line: number, reason: string): ParsedLine {
  return { kind: 'rejected', issue: { line, action: 'rejected', reason } };
}
