import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { vectorizeProductSchema } from '@ecom/contracts';
import { describe, expect, it } from 'vitest';
import { type ParsedLine, parseDataset, readCustomers } from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ORIGINAL = path.resolve(here, '../../../../shared/data/original-dataset.csv');
const OURS = path.resolve(here, '../../../dataset.csv');

async function collect(file: string): Promise<ParsedLine[]> {
  const out: ParsedLine[] = [];
  for await (const parsed of parseDataset(file)) out.push(parsed);
  return out;
}

async function csvFile(content: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dataset-'));
  const file = path.join(dir, 'data.csv');
  await writeFile(file, content);
  return file;
}

describe('parseDataset on the original dataset', () => {
  it('reads all 63 rows and repairs the two spilled-over descriptions instead of shifting columns', async () => {
    const parsed = await collect(ORIGINAL);
    expect(parsed).toHaveLength(63);
    const rows = parsed.flatMap((p) => (p.kind === 'row' ? [p] : []));
    expect(rows).toHaveLength(63);
    const repaired = rows.filter((p) => p.repaired).map((p) => p.row);
    expect(repaired.map((r) => r.line).sort((a, b) => a - b)).toEqual([42, 61]);
    const book = repaired.find((r) => r.productName === 'Book: "1984"');
    expect(book?.description).toBe(
      'A dystopian novel by George Orwell exploring surveillance, government control, and individual freedom.',
    );
    expect(book?.tags).toEqual(['Book', 'Literature', 'Dystopian', 'Surveillance']);
  });

  it('keeps embedded quotes and splits quoted tag lists', async () => {
    const rows = (await collect(ORIGINAL)).flatMap((p) => (p.kind === 'row' ? [p.row] : []));
    const gatsby = rows.find((r) => r.productName.includes('Gatsby'));
    expect(gatsby?.productName).toBe('Book: "The Great Gatsby"');
    expect(rows[0]?.tags).toEqual(['Smartphone', 'Samsung', '5G', 'AMOLED', 'Camera']);
    expect(new Set(rows.map((r) => r.productName.toLowerCase())).size).toBe(54);
    expect(new Set(rows.map((r) => r.category.toLowerCase())).size).toBe(6);
  });

  it('derives the 26 original customers with their CSV ids', async () => {
    const { customers } = await readCustomers(ORIGINAL);
    expect(customers).toHaveLength(26);
    expect(customers.map((c) => c.id)).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
    expect(customers[0]).toEqual({
      id: 1,
      title: 'Alice',
      gender: 'Female',
      age: 30,
      location: 'New York',
      preference: 'Electronics',
    });
  });
});

describe('parseDataset on malformed input', () => {
  const header =
    'user_id,name,age,gender,location,preferences,product_id,category,product_name,description,tags\n';

  it('rejects short rows, bad ids and over-long fields with line numbers', async () => {
    const file = await csvFile(
      `${header}1,Ann,30,F,Oslo,Books,1,Books,Dune,A novel,"Book, SciFi"\n` +
        `2,Bob,30,M\n` +
        `x,Cy,30,M,Rome,Books,2,Books,Emma,A novel,Book\n` +
        `4,Di,30,F,Rome,Books,3,Books,${'a'.repeat(151)},A novel,Book\n` +
        `5,Ed,30,M,Rome,Books,4,Books,Ulysses,A novel,"A sentence that is a description fragment."\n`,
    );
    const parsed = await collect(file);
    expect(parsed.map((p) => p.kind)).toEqual(['row', 'rejected', 'rejected', 'rejected', 'row']);
    const rejected = parsed.flatMap((p) => (p.kind === 'rejected' ? [p.issue] : []));
    expect(rejected.map((i) => i.line)).toEqual([3, 4, 5]);
    expect(rejected[0]?.reason).toMatch(/expected 11 columns, found 4/);
    expect(rejected[1]?.reason).toMatch(/user_id/);
    expect(rejected[2]?.reason).toMatch(/product_name is longer than 150/);
  });

  it('counts characters as the API does, so a title the API accepts is imported', async () => {
    // 150 emoji are 300 UTF-16 units: the API's limit is 150 characters (code points).
    const file = await csvFile(
      `${header}1,Ann,30,F,Oslo,Books,1,Books,${'😀'.repeat(150)},A novel,Book\n` +
        `2,Bo,30,M,Oslo,Books,2,Books,${'😀'.repeat(151)},A novel,Book\n`,
    );
    const parsed = await collect(file);
    expect(parsed.map((p) => p.kind)).toEqual(['row', 'rejected']);
    const title = vectorizeProductSchema.shape.product_title;
    expect(title.safeParse('😀'.repeat(150)).success).toBe(true);
    expect(title.safeParse('😀'.repeat(151)).success).toBe(false);
  });

  it('stores names and titles in NFC and counts them as stored, so a decomposed title is not refused for its marks', async () => {
    // 150 "é" typed decomposed are 300 code points; stored in NFC they are 150.
    const file = await csvFile(
      `${header}1,Jose\u0301,30,F,Oslo,Books,1,Cafe\u0301,${'e\u0301'.repeat(150)},A novel,Book\n`,
    );
    const [parsed] = await collect(file);
    expect(parsed?.kind === 'row' && parsed.row).toMatchObject({
      customer: { title: 'Jos\u00e9' },
      category: 'Caf\u00e9',
      productName: '\u00e9'.repeat(150),
    });
  });

  it('trims invisible characters from both ends of a title, as the API does, and keeps those between visible ones', async () => {
    const file = await csvFile(
      `${header}1,\u200bJos\u00e9\u00ad,30,F,Oslo,Books,1,Caf\u00e9\u2060,\ufeffZo\u00eb\u200dAnn \u200b,A novel,Book\n`,
    );
    const [parsed] = await collect(file);
    expect(parsed?.kind === 'row' && parsed.row).toMatchObject({
      customer: { title: 'Jos\u00e9' },
      category: 'Caf\u00e9',
      productName: 'Zo\u00eb\u200dAnn',
    });
  });

  it('reads rows appended with \\n line endings to a file whose lines end in \\r\\n', async () => {
    const crlf = header.replace('\n', '\r\n');
    const file = await csvFile(
      `${crlf}1,Ann,30,F,Oslo,Books,1,Books,Dune,A novel,Book\r\n` +
        `2,Bob,30,M,Rome,Books,2,Books,Emma,A novel,Book\n3,Cy,30,M,Rome,Books,3,Books,Ulysses,A novel,"Book"\n`,
    );
    const rows = (await collect(file)).flatMap((p) => (p.kind === 'row' ? [p.row] : []));
    expect(rows.map((row) => [row.line, row.productName, row.description])).toEqual([
      [2, 'Dune', 'A novel'],
      [3, 'Emma', 'A novel'],
      [4, 'Ulysses', 'A novel'],
    ]);
  });

  it('reads a quote inside an unquoted field as text, and rejects rows it cannot read or store, not the file', async () => {
    const file = await csvFile(
      `${header}1,Bob "the builder" Baker,30,M,Oslo,Books,1,Books,Dune,A novel,Book\n` +
        `2,Nul\u0000,30,M,Oslo,Books,2,Books,Emma,A novel,Book\n` +
        `3,Cy,30,M,Rome,Books,3,Books,Ulysses,"A novel,Book\n`,
    );
    const parsed = await collect(file);
    expect(parsed[0]).toMatchObject({ kind: 'row', row: { customer: { title: 'Bob "the builder" Baker' } } });
    expect(parsed.slice(1).map((p) => p.kind)).toEqual(['rejected', 'rejected']);
    expect(parsed[1]).toMatchObject({ issue: { line: 3, reason: 'contains a NUL character' } });
  });

  it('rejects a control character or bidi override inside a text field, as the API does; a description keeps tab and line breaks', async () => {
    const ok = { name: 'Ann', gender: 'F', location: 'Oslo', preferences: 'Books' };
    const product = { category: 'Books', title: 'Dune', description: 'A novel', tags: 'Book' };
    const row = (changed: Partial<typeof ok & typeof product>) => {
      const f = { ...ok, ...product, ...changed };
      return `1,${f.name},30,${f.gender},${f.location},${f.preferences},1,${f.category},${f.title},${f.description},${f.tags}\n`;
    };
    const file = await csvFile(
      header +
        row({ name: 'Ann\u001b[31mRed' }) +
        row({ gender: 'F\u007f' }) +
        row({ location: 'Os\u0085lo' }) +
        row({ preferences: 'Bo\tks' }) +
        row({ category: 'Bell\u0007s' }) +
        row({ title: 'Shoe \u202egnp.exe' }) +
        row({ tags: '"Book,Sci\u001bFi"' }) +
        row({ description: 'Clear\u001b[2J' }) +
        row({ name: ' Ann\t', title: '\u202eDune', description: '"Line one\r\n\tLine two\n"' }),
    );
    const parsed = await collect(file);
    expect(parsed.slice(0, 8).map((p) => p.kind === 'rejected' && [p.issue.line, p.issue.reason])).toEqual([
      [2, 'name contains a control character or bidi override'],
      [3, 'gender contains a control character or bidi override'],
      [4, 'location contains a control character or bidi override'],
      [5, 'preferences contains a control character or bidi override'],
      [6, 'category contains a control character or bidi override'],
      [7, 'product_name contains a control character or bidi override'],
      [8, 'a tag contains a control character or bidi override'],
      [9, 'description contains a control character or bidi override'],
    ]);
    // At the edges they are trimmed, as the API trims them.
    expect(parsed[8]).toMatchObject({
      kind: 'row',
      row: { customer: { title: 'Ann' }, productName: 'Dune', description: 'Line one\r\n\tLine two' },
    });
  });

  it('rejects a spilled row whose last field is not a tag list', async () => {
    const file = await csvFile(`${header}1,Ann,30,F,Oslo,Books,1,Books,Dune,A novel,with commas,and more.\n`);
    const [parsed] = await collect(file);
    expect(parsed?.kind).toBe('rejected');
  });

  it('fails loudly on a file without the expected header', async () => {
    const file = await csvFile('a,b,c\n1,2,3\n');
    await expect(collect(file)).rejects.toThrow(/lacks column/);
  });

  it('fails the import, not the process, when the file cannot be read', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dataset-'));
    await expect(collect(path.join(dir, 'gone.csv'))).rejects.toThrow(/ENOENT/);
    await expect(collect(dir)).rejects.toThrow(/EISDIR/);
  });
});

describe('the project dataset.csv', () => {
  it('parses without rejected rows and has enough demo data', async () => {
    const parsed = await collect(OURS);
    const rows = parsed.flatMap((p) => (p.kind === 'row' ? [p.row] : []));
    expect(parsed.filter((p) => p.kind === 'rejected')).toEqual([]);
    expect(rows.length).toBeGreaterThanOrEqual(400);
    expect(new Set(rows.map((r) => r.customer.id)).size).toBeGreaterThanOrEqual(40);
    expect(new Set(rows.map((r) => r.productName.toLowerCase())).size).toBeGreaterThanOrEqual(120);
    expect(new Set(rows.map((r) => r.category.toLowerCase())).size).toBeGreaterThanOrEqual(8);
  });
});
