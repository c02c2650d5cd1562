import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HashingEmbedder } from '../../src/embedders/hashing-embedder.js';
import { normalizeWords } from '../../src/embedders/normalize-text.js';
import { dot, norm } from './helpers.js';

const texts = [
  'Trailblazer Running Shoes - lightweight trail running shoes with a grippy sole',
  'Coldspring Insulated Water Bottle 32 oz, stainless steel',
  'Burr Coffee Grinder with 18 grind settings',
  'Café crème au lait',
];

describe('hashing embedder', () => {
  it('is deterministic across instances and calls', async () => {
    const first = await new HashingEmbedder().embed(texts);
    const second = await new HashingEmbedder().embed([...texts].reverse());
    expect(first.map((v) => Array.from(v))).toEqual(second.reverse().map((v) => Array.from(v)));
  });

  it('gives the same vectors in every release of hashing-v1 (change the version if this fails)', async () => {
    const [vector] = await new HashingEmbedder({ dimension: 64 }).embed(['Trail running shoes, size 42']);
    const digest = createHash('sha256').update(Buffer.from(vector!.buffer)).digest('hex');
    expect(digest.slice(0, 16)).toBe('6fb16ef1478775cd');
  });

  it('returns unit vectors of the configured dimension', async () => {
    for (const dimension of [16, 384, 1024]) {
      const embedder = new HashingEmbedder({ dimension });
      expect(embedder.dimension).toBe(dimension);
      expect(embedder.id).toBe(`hashing-v1-d${dimension}`);
      expect(embedder.model).toBe('hashing-v1');
      for (const vector of await embedder.embed(texts)) {
        expect(vector).toBeInstanceOf(Float32Array);
        expect(vector).toHaveLength(dimension);
        expect(norm(vector)).toBeCloseTo(1, 5);
      }
    }
  });

  it('scores texts that share words above unrelated texts', async () => {
    const embedder = new HashingEmbedder();
    const [shoes, sneakers, trailShoes, grinder, bottle] = await embedder.embed([
      'lightweight running shoes',
      'running sneakers for the road',
      'trail running shoe with grippy sole',
      'burr coffee grinder',
      'insulated steel water bottle',
    ]);
    expect(dot(shoes!, trailShoes!)).toBeGreaterThan(0.15);
    expect(dot(shoes!, sneakers!)).toBeGreaterThan(dot(shoes!, grinder!) + 0.1);
    expect(dot(trailShoes!, shoes!)).toBeGreaterThan(dot(trailShoes!, bottle!) + 0.15);
    expect(Math.abs(dot(grinder!, bottle!))).toBeLessThan(0.1);
    // Character n-grams relate "shoe" and "shoes" although they are different words.
    const [shoe, shoesAlone, grinderAlone] = await embedder.embed(['shoe', 'shoes', 'grinder']);
    expect(dot(shoe!, shoesAlone!)).toBeGreaterThan(dot(shoe!, grinderAlone!) + 0.1);
    expect(Math.abs(dot(shoe!, grinderAlone!))).toBeLessThan(0.2);
  });

  it('ignores case, accents and punctuation, and mostly ignores word order', async () => {
    const embedder = new HashingEmbedder();
    const [plain, shouted, accented, reordered] = await embedder.embed([
      'cafe creme running shoes',
      'CAFÉ, CRÈME!!! Running-Shoes...',
      'Café Crème running shoes',
      'running shoes cafe creme',
    ]);
    expect(Array.from(shouted!)).toEqual(Array.from(plain!));
    expect(Array.from(accented!)).toEqual(Array.from(plain!));
    // Only the bigrams differ when words swap places.
    expect(dot(plain!, reordered!)).toBeGreaterThan(0.85);
    expect(dot(plain!, reordered!)).toBeLessThan(0.9999);
  });

  it('maps texts without words to one fixed unit vector, never NaN', async () => {
    const embedder = new HashingEmbedder({ dimension: 256 });
    const [empty, spaces, symbols, real] = await embedder.embed(['', '   ', '!!! ??? ---', 'running shoes']);
    for (const vector of [empty!, spaces!, symbols!]) {
      expect(vector.some(Number.isNaN)).toBe(false);
      expect(norm(vector)).toBeCloseTo(1, 5);
      expect(Array.from(vector)).toEqual(Array.from(empty!));
    }
    expect(Math.abs(dot(empty!, real!))).toBeLessThan(0.3);
    // Callers may mutate what they get: the shared fallback must not change.
    empty!.fill(0);
    const [again] = await embedder.embed(['']);
    expect(norm(again!)).toBeCloseTo(1, 5);
  });

  it('embeds 2,000 product texts quickly', async () => {
    const embedder = new HashingEmbedder();
    const many = Array.from({ length: 2_000 }, (_, i) => `${texts[i % texts.length]} item ${i}`);
    const started = performance.now();
    const vectors = await embedder.embed(many);
    expect(vectors).toHaveLength(2_000);
    // ~0.1 s here; the bound only catches an accidental quadratic, on a busy CI machine.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('rejects a dimension that is not a positive integer', () => {
    expect(() => new HashingEmbedder({ dimension: 0 })).toThrow(RangeError);
    expect(() => new HashingEmbedder({ dimension: 10.5 })).toThrow(RangeError);
  });
});

describe('normalizeWords', () => {
  it('lower-cases, strips accents and splits on anything that is not a letter or digit', () => {
    expect(normalizeWords("Crème Brûlée: L'Œuf (32 oz) — ﬁne!")).toEqual([
      'creme',
      'brulee',
      'l',
      'œuf',
      '32',
      'oz',
      'fine',
    ]);
    expect(normalizeWords('  ')).toEqual([]);
  });
});
