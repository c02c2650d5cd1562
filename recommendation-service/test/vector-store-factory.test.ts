import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@ecom/service-kit';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { silentLog } from '../src/log.js';
import { collectionName } from '../src/vector-store/collection-name.js';
import { vectorStoreConfigShape } from '../src/vector-store/config.js';
import { createVectorStore } from '../src/vector-store/create-vector-store.js';
import { truncateUtf8 } from '../src/vector-store/truncate-utf8.js';

const schema = z.object({ ...vectorStoreConfigShape, DATA_DIR: z.string() });

describe('createVectorStore', () => {
  it('uses the embedded store under DATA_DIR when MILVUS_ADDRESS is not set', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'vector-factory-'));
    try {
      const config = loadConfig(schema, { DATA_DIR: dataDir });
      const store = await createVectorStore(config, { id: 'hashing-v1', dimension: 384 }, silentLog);
      expect(store.kind).toBe('embedded');
      expect(store.collection).toBe('products_hashing_v1_d384');
      await store.init();
      const folder = path.join(dataDir, 'recommendation-service', 'vectors', 'products_hashing_v1_d384');
      expect((await stat(folder)).isDirectory()).toBe(true);
      await store.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('uses Milvus when MILVUS_ADDRESS is set (no connection needed to build it)', async () => {
    const config = loadConfig(schema, {
      DATA_DIR: '/nonexistent',
      MILVUS_ADDRESS: '127.0.0.1:1',
      MILVUS_COLLECTION_PREFIX: 'shop',
      MILVUS_TIMEOUT_MS: '300',
    });
    const store = await createVectorStore(
      config,
      { id: 'Xenova/all-MiniLM-L12-v2', dimension: 384 },
      silentLog,
    );
    expect(store.kind).toBe('milvus');
    expect(store.collection).toBe('shop_xenova_all_minilm_l12_v2_d384');
    await expect(store.ping()).rejects.toMatchObject({ statusCode: 503 });
    await store.close();
  });

  it('parses the config fragment with defaults and rejects bad values by name', () => {
    const config = loadConfig(schema, { DATA_DIR: '/d' });
    expect(config).toMatchObject({
      MILVUS_COLLECTION_PREFIX: 'products',
      MILVUS_TIMEOUT_MS: 5000,
      MILVUS_BATCH_SIZE: 500,
      MILVUS_SEARCH_EF: 64,
    });
    expect(config.MILVUS_ADDRESS).toBeUndefined();
    expect(config.MILVUS_INDEX_TYPE).toBeUndefined();
    expect(() => loadConfig(schema, { DATA_DIR: '/d', MILVUS_INDEX_TYPE: 'DISKANN' })).toThrow(
      /MILVUS_INDEX_TYPE/,
    );
    expect(() => loadConfig(schema, { DATA_DIR: '/d', MILVUS_COLLECTION_PREFIX: 'bad-prefix' })).toThrow(
      /MILVUS_COLLECTION_PREFIX/,
    );
    expect(() => loadConfig(schema, { DATA_DIR: '/d', MILVUS_DATABASE: 'x y' })).toThrow(/MILVUS_DATABASE/);
  });
});

describe('collectionName', () => {
  it('keeps Milvus rules: letters, digits, underscores; embedder id and dimension in the name', () => {
    expect(collectionName('products', { id: 'hashing-v1', dimension: 384 })).toBe('products_hashing_v1_d384');
    expect(collectionName('p', { id: '  Weird//Model.ID--v2 ', dimension: 8 })).toBe(
      'p_weird_model_id_v2_d8',
    );
    expect(collectionName('p', { id: '???', dimension: 8 })).toBe('p_embedder_d8');
    expect(collectionName('p', { id: 'm', dimension: 384 })).not.toBe(
      collectionName('p', { id: 'm', dimension: 768 }),
    );
  });

  it('cuts very long ids and keeps them apart with a hash', () => {
    const a = collectionName('products', { id: `${'x'.repeat(300)}a`, dimension: 384 });
    const b = collectionName('products', { id: `${'x'.repeat(300)}b`, dimension: 384 });
    expect(a.length).toBeLessThanOrEqual(255);
    expect(a).toMatch(/^[a-z_][a-z0-9_]*_d384$/);
    expect(a).not.toBe(b);
  });

  it('rejects a bad prefix or dimension', () => {
    expect(() => collectionName('1abc', { id: 'x', dimension: 4 })).toThrow(RangeError);
    expect(() => collectionName('p', { id: 'x', dimension: 0 })).toThrow(RangeError);
  });
});

describe('truncateUtf8', () => {
  it('never splits a character', () => {
    expect(truncateUtf8('abc', 10)).toBe('abc');
    expect(truncateUtf8('ééé', 5)).toBe('éé');
    expect(truncateUtf8('a🎉b', 4)).toBe('a');
    expect(truncateUtf8('a🎉b', 5)).toBe('a🎉');
    expect(truncateUtf8('東京', 2)).toBe('');
  });

  it('leaves every contract-valid title (150 characters) whole', () => {
    const worst = '🎉'.repeat(75); // 150 UTF-16 units, 300 bytes
    expect(truncateUtf8(worst)).toBe(worst);
    const cjk = '東'.repeat(150); // 450 bytes
    expect(truncateUtf8(cjk)).toBe(cjk);
  });
});
