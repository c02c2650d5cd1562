import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '@ecom/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddingsConfigSchema } from '../../src/embedders/config.js';
import { createEmbedder, EmbedderLoadError } from '../../src/embedders/create-embedder.js';
import { HashingEmbedder } from '../../src/embedders/hashing-embedder.js';
import { TransformersEmbedder } from '../../src/embedders/transformers-embedder.js';
import { writeTinyBertModel } from '../fixtures/tiny-bert-model.js';
import { fakeHub, recordingLog } from './helpers.js';

describe('createEmbedder', () => {
  let scratch: string;
  let modelDir: string;
  let emptyDir: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'create-embedder-'));
    modelDir = await writeTinyBertModel(scratch);
    emptyDir = await mkdtemp(path.join(scratch, 'empty-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  const config = (vars: Record<string, string>) =>
    loadConfig(embeddingsConfigSchema, {
      EMBEDDINGS_CACHE_DIR: path.join(scratch, 'cache'),
      EMBEDDINGS_DOWNLOAD_TIMEOUT_MS: '300',
      ...vars,
    });

  it('EMBEDDINGS_MODEL=hashing gives the hashing embedder of HASHING_DIMENSION', async () => {
    const embedder = await createEmbedder(
      config({ EMBEDDINGS_MODEL: 'hashing', HASHING_DIMENSION: '256' }),
      recordingLog(),
    );
    expect(embedder).toBeInstanceOf(HashingEmbedder);
    expect(embedder.dimension).toBe(256);
    expect(embedder.id).toBe('hashing-v1-d256');
  });

  it('auto loads the model folder of EMBEDDINGS_MODEL_PATH', async () => {
    const log = recordingLog();
    const embedder = await createEmbedder(config({ EMBEDDINGS_MODEL_PATH: modelDir }), log);
    expect(embedder).toBeInstanceOf(TransformersEmbedder);
    expect(embedder.id).toBe('tiny-bert-fp32');
    expect(embedder.dimension).toBe(8);
    expect(log.lines.filter((line) => line.level === 'warn')).toEqual([]);
    await embedder.close?.();
  });

  it('auto falls back to hashing with a loud warning when the folder has no model', async () => {
    const log = recordingLog();
    const embedder = await createEmbedder(config({ EMBEDDINGS_MODEL_PATH: emptyDir }), log);
    expect(embedder).toBeInstanceOf(HashingEmbedder);
    expect(embedder.id).toBe('hashing-v1-d1024');
    const warnings = log.lines.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/FALLING BACK TO THE HASHING EMBEDDER/);
    expect(warnings[0]!.msg).toContain(emptyDir);
    expect(warnings[0]!.msg).toContain('config.json');
    expect(warnings[0]!.msg).toMatch(/set EMBEDDINGS_MODEL_PATH/);
  });

  it('auto gives up on a hub that does not answer within the download timeout, then falls back', async () => {
    const hub = await fakeHub('hang');
    try {
      const log = recordingLog();
      const started = Date.now();
      // fetchedModelDir null: a model that scripts/fetch-model.sh built in this checkout is not the hub.
      const embedder = await createEmbedder(config({ EMBEDDINGS_HUB_URL: hub.url }), log, {
        fetchedModelDir: null,
      });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(embedder).toBeInstanceOf(HashingEmbedder);
      const warning = log.lines.find((line) => line.level === 'warn');
      expect(warning?.msg).toContain('Xenova/all-MiniLM-L12-v2');
      expect(warning?.msg).toMatch(/no answer within 300 ms/);
    } finally {
      await hub.close();
    }
  });

  it('auto downloads the model from EMBEDDINGS_HUB_URL, the hub it checked', async () => {
    const hub = await fakeHub('serve', modelDir);
    try {
      const cacheDir = await mkdtemp(path.join(scratch, 'cache-'));
      const log = recordingLog();
      const embedder = await createEmbedder(
        config({ EMBEDDINGS_HUB_URL: hub.url, EMBEDDINGS_CACHE_DIR: cacheDir }),
        log,
        { fetchedModelDir: null },
      );
      expect(embedder).toBeInstanceOf(TransformersEmbedder);
      expect(embedder.id).toBe('xenova-all-minilm-l12-v2-fp32');
      expect(embedder.dimension).toBe(8);
      expect(log.lines.filter((line) => line.level === 'warn')).toEqual([]);
      // The check and the loader asked the same hub.
      expect(hub.requests).toContain('HEAD /Xenova/all-MiniLM-L12-v2/resolve/main/config.json');
      expect(hub.requests).toContain('GET /Xenova/all-MiniLM-L12-v2/resolve/main/onnx/model.onnx');
      await embedder.close?.();
    } finally {
      await hub.close();
    }
  });

  it.skipIf(!existsSync('/proc/self/maps'))(
    'auto with a hub that does not answer never loads onnxruntime (needs Linux /proc)',
    async () => {
      const hub = await fakeHub('hang');
      try {
        const tsx = createRequire(import.meta.url).resolve('tsx');
        const script = path.join(import.meta.dirname, '..', 'fixtures', 'auto-embedder-process.ts');
        const { stdout } = await promisify(execFile)(
          process.execPath,
          ['--import', tsx, script, hub.url, path.join(scratch, 'cache')],
          { timeout: 60_000 },
        );
        const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
        expect(result.embedder).toBe('hashing-v1-d1024');
        expect(result.warnings).toHaveLength(1);
        expect(result.warnings[0]).toMatch(/FALLING BACK TO THE HASHING EMBEDDER/);
        expect(result.warnings[0]).toMatch(/no answer within 300 ms/);
        expect(result.onnxruntime).toEqual({ before: false, after: true });
      } finally {
        await hub.close();
      }
    },
  );

  it('an explicit model that cannot be loaded stops start-up with a clear error', async () => {
    const hub = await fakeHub('missing');
    try {
      const attempt = createEmbedder(
        config({ EMBEDDINGS_MODEL: 'acme/no-such-model', EMBEDDINGS_HUB_URL: hub.url }),
        recordingLog(),
      );
      await expect(attempt).rejects.toBeInstanceOf(EmbedderLoadError);
      await expect(attempt).rejects.toThrow(/Could not load the embeddings model "acme\/no-such-model"/);
      await expect(attempt).rejects.toThrow(/EMBEDDINGS_MODEL_PATH/);
    } finally {
      await hub.close();
    }
  });

  it('an explicit model with a bad EMBEDDINGS_MODEL_PATH is an error too, not a fallback', async () => {
    const attempt = createEmbedder(
      config({ EMBEDDINGS_MODEL: 'sentence-transformers/all-MiniLM-L6-v2', EMBEDDINGS_MODEL_PATH: emptyDir }),
      recordingLog(),
    );
    await expect(attempt).rejects.toThrow(/model folder ".*empty-.*" \(EMBEDDINGS_MODEL_PATH\)/);
  });

  it('an explicit model id with EMBEDDINGS_MODEL_PATH loads the folder under that name', async () => {
    const embedder = await createEmbedder(
      config({
        EMBEDDINGS_MODEL: 'acme/tiny-bert',
        EMBEDDINGS_MODEL_PATH: modelDir,
        EMBEDDINGS_BATCH_SIZE: '3',
      }),
      recordingLog(),
    );
    expect(embedder).toBeInstanceOf(TransformersEmbedder);
    expect(embedder.model).toBe('acme/tiny-bert');
    expect(embedder.id).toBe('acme-tiny-bert-fp32');
    expect((embedder as TransformersEmbedder).batchSize).toBe(3);
    await embedder.close?.();
  });
});

describe('embeddings config fragment', () => {
  it('has defaults for a local run', () => {
    const parsed = loadConfig(embeddingsConfigSchema, {});
    expect(parsed).toMatchObject({
      EMBEDDINGS_MODEL: 'auto',
      EMBEDDINGS_DTYPE: 'fp32',
      EMBEDDINGS_BATCH_SIZE: 8,
      EMBEDDINGS_DOWNLOAD_TIMEOUT_MS: 10_000,
      EMBEDDINGS_THREADS: 1,
      HASHING_DIMENSION: 1024,
    });
    expect(parsed.EMBEDDINGS_MODEL_PATH).toBeUndefined();
    expect(parsed.EMBEDDINGS_CACHE_DIR).toMatch(/\.data[/\\]models-cache$/);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig(embeddingsConfigSchema, { EMBEDDINGS_DTYPE: 'fp64' })).toThrow(
      /EMBEDDINGS_DTYPE/,
    );
    expect(() => loadConfig(embeddingsConfigSchema, { EMBEDDINGS_BATCH_SIZE: '0' })).toThrow(
      /EMBEDDINGS_BATCH_SIZE/,
    );
    expect(() => loadConfig(embeddingsConfigSchema, { HASHING_DIMENSION: 'big' })).toThrow(
      /HASHING_DIMENSION/,
    );
  });
});
