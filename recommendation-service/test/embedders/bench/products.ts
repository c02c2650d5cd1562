import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface BenchProduct {
  title: string;
  category: string;
  text: string;
}

const DATASET = fileURLToPath(new URL('../../../../dataset.csv', import.meta.url));

/** The distinct products of the project's dataset.csv, as "title. description. tags" texts. */
export function datasetProducts(): BenchProduct[] {
  const [header, ...rows] = parseCsv(readFileSync(DATASET, 'utf8'));
  const column = (name: string) => header!.indexOf(name);
  const byTitle = new Map<string, BenchProduct>();
  for (const row of rows) {
    const title = row[column('product_name')] ?? '';
    if (!title || byTitle.has(title)) continue;
    const category = row[column('category')] ?? '';
    const text = `${title}. ${row[column('description')] ?? ''} ${row[column('tags')] ?? ''}`;
    byTitle.set(title, { title, category, text });
  }
  return [...byTitle.values()];
}

/**
 * `count` product-like texts for throughput runs: each dataset product with a few words of
 * another product's description mixed in, so texts differ but keep realistic lengths.
 */
export function syntheticTexts(count: number): string[] {
  const products = datasetProducts();
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const base = products[i % products.length]!;
    const other = products[(i * 7 + 3) % products.length]!.text.split(' ');
    const start = i % Math.max(1, other.length - 6);
    texts.push(`${base.text} ${other.slice(start, start + 6).join(' ')} #${i}`);
  }
  return texts;
}

// RFC 4180 is enough here: the project's dataset.csv is well-formed (the importer handles the rest).
function parseCsv(source: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (quoted) {
      if (c === '"' && source[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && source[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows.filter((r) => r.length > 1);
}
