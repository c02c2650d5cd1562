import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@ecom/stack/start-stack';

/** Evaluation data only, read in place (its README: do not copy it into the project). */
export const AMAZON_DIR =
  process.env.AMAZON_SCIENTIFIC_DIR ?? path.resolve(REPO_ROOT, '..', 'shared', 'data', 'amazon-scientific');

export interface Item {
  index: number;
  title: string;
  category: string;
  tags: string[];
  description: string;
  /** Raw `brand` and deepest path level, lower-cased ('' if none): for the text probes only (the service sees them as tags). */
  brand: string;
  leaf: string;
}

export interface AmazonData {
  items: Item[];
  /** Per user (index = user_idx), item indexes in time order. */
  sequences: number[][];
}

export type Split = 'test' | 'val';

export interface SplitData {
  /** What is loaded into the system, per user, in time order. */
  train: number[][];
  /** The held-out item per user. */
  target: number[];
}

const TITLE_MAX = 150;
const DESCRIPTION_MAX = 1500;
const TAG_MAX = 100;
const TAGS_MAX = 50;
const UNCATEGORISED = 'Uncategorised';

interface RawItem {
  title?: string;
  description?: string;
  brand?: string;
  categories?: string;
}

/**
 * Maps the items into our catalog's rules (data README + catalog README): category = level 2
 * of the path, tags = deeper levels + brand (no commas, <=100 chars, <=50), title = unescaped
 * HTML title, unique ignoring case and <=150 chars (a collision gets " #<item_idx>"),
 * description = description or title (<=1500 chars).
 */
export function loadAmazon(dir = AMAZON_DIR): AmazonData {
  const rawItems = JSON.parse(readFileSync(path.join(dir, 'Scientific.item.json'), 'utf8')) as Record<
    string,
    RawItem
  >;
  const inter = JSON.parse(readFileSync(path.join(dir, 'Scientific.inter.json'), 'utf8')) as Record<
    string,
    number[]
  >;
  const count = Object.keys(rawItems).length;
  const seenTitles = new Set<string>();
  const items: Item[] = [];
  for (let index = 0; index < count; index++) {
    const raw = rawItems[String(index)] ?? {};
    const levels = raw.categories ? raw.categories.split(/,(?! )/) : [];
    const category = clip(levels[1]?.trim() || UNCATEGORISED, TITLE_MAX);
    let title = clip(unescapeHtml(raw.title ?? '').trim() || `Item ${index}`, TITLE_MAX);
    if (seenTitles.has(title.toLowerCase())) {
      const suffix = ` #${index}`;
      title = clip(title, TITLE_MAX - suffix.length) + suffix;
    }
    seenTitles.add(title.toLowerCase());
    const tags = dedupeTags([...levels.slice(2), raw.brand ?? ''].map(cleanTag)).slice(0, TAGS_MAX);
    const description = clip(unescapeHtml(raw.description ?? '').trim() || title, DESCRIPTION_MAX);
    const brand = cleanTag(raw.brand ?? '').toLowerCase();
    const leaf = levels.length > 2 ? cleanTag(levels[levels.length - 1]!).toLowerCase() : '';
    items.push({ index, title, category, tags, description, brand, leaf });
  }
  const users = Object.keys(inter).length;
  const sequences = Array.from({ length: users }, (_, user) => inter[String(user)] ?? []);
  return { items, sequences };
}

export function split(data: AmazonData, mode: Split): SplitData {
  return splitAt(data, mode === 'test' ? 1 : 2);
}

/** Holds out each user's last `cut` items; the first of them is the target (test: 1, val: 2). */
export function splitAt(data: AmazonData, cut: number): SplitData {
  return {
    train: data.sequences.map((sequence) => sequence.slice(0, -cut)),
    target: data.sequences.map((sequence) => sequence[sequence.length - cut]!),
  };
}

/** The user's most frequent training categories (ties by name), as many as fit in 150 chars. */
export function preference(train: number[], items: Item[]): string {
  const counts = new Map<string, number>();
  for (const index of train) {
    const category = items[index]!.category;
    counts.set(category, (counts.get(category) ?? 0) + 1);
  }
  const top = [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 3)
    .map(([name]) => name);
  while (top.length > 0 && top.join(', ').length > TITLE_MAX) top.pop();
  return top.join(', ');
}

function cleanTag(tag: string): string {
  return clip(unescapeHtml(tag).replace(/,/g, ' ').replace(/\s+/g, ' ').trim(), TAG_MAX);
}

function dedupeTags(tags: string[]): string[] {
  const seen = new Set<string>();
  return tags.filter((tag) => {
    const key = tag.toLowerCase();
    if (!tag || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Cuts at a code point boundary and trims, so the result is never longer than `max` UTF-16 units. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut.trimEnd();
}

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  rsquo: '\u2019',
  lsquo: '\u2018',
  rdquo: '\u201d',
  ldquo: '\u201c',
  ndash: '\u2013',
  mdash: '\u2014',
  plusmn: '\u00b1',
  deg: '\u00b0',
  reg: '\u00ae',
  trade: '\u2122',
  copy: '\u00a9',
  times: '\u00d7',
  frac12: '\u00bd',
  micro: '\u00b5',
};

/** The entities in this data (&amp; &rsquo; &plusmn;) and numeric ones; unknown names stay as they are. */
export function unescapeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z][a-z0-9]*);/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code =
        body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[body.toLowerCase()] ?? whole;
  });
}
