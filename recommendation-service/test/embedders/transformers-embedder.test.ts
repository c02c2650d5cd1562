import { rm } from 'node:fs/promises';
import path from 'node:path';
import { env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddingsConfig, embeddingsConfigSchema } from '../../src/embedders/config.js';
import {
  createTransformersEmbedder,
  type PipelineFactory,
  transformersPipeline,
} from '../../src/embedders/transformers-embedder.js';
import {
  TINY_HIDDEN_SIZE,
  tinyEmbeddingRow,
  tinyTokenId,
  writeTinyBertModel,
} from '../fixtures/tiny-bert-model.js';
import { norm, recordingLog } from './helpers.js';

// The real transformers.js loading, tokenising and pooling code on a tiny BERT-shaped ONNX
// model this file writes itself (no download, no shipped weights).
describe('transformers.js embedder on a tiny local model', () => {
  let modelDir: string;
  const config = (vars: Partial<EmbeddingsConfig> = {}) =>
    embeddingsConfigSchema.parse({
      EMBEDDINGS_CACHE_DIR: path.join(path.dirname(modelDir), 'cache'),
      ...vars,
    });

  beforeAll(async () => {
    modelDir = await writeTinyBertModel();
  });
  afterAll(async () => {
    await rm(path.dirname(modelDir), { recursive: true, force: true });
  });

  it('loads the folder with remote models disabled and reads the dimension from the output', async () => {
    const log = recordingLog();
    const embedder = await createTransformersEmbedder(config(), log, { localPath: modelDir });
    expect(env.allowRemoteModels).toBe(false);
    expect(embedder.dimension).toBe(TINY_HIDDEN_SIZE);
    expect(embedder.model).toBe('tiny-bert');
    expect(embedder.id).toBe('tiny-bert-fp32');
    expect(embedder.location).toBe(modelDir);
    expect(log.lines.some((line) => line.msg === 'embeddings model loaded' && line.level === 'info')).toBe(
      true,
    );
    // Local files are not downloads: their progress lines stay at debug.
    expect(
      log.lines.some((line) => line.level === 'debug' && line.msg.includes('onnx/model.onnx: 100%')),
    ).toBe(true);
    await embedder.close();
  });

  it('mean-pools the token rows, [CLS] and [SEP] included, then L2-normalises', async () => {
    const embedder = await createTransformersEmbedder(config(), recordingLog(), { localPath: modelDir });
    const [vector] = await embedder.embed(['Running SNEAKERS']);
    // BertNormalizer lower-cases; WordPiece splits "sneakers" into "sneak" + "##ers".
    const ids = ['[CLS]', 'running', 'sneak', '##ers', '[SEP]'].map((t) => tinyTokenId(t as never));
    const mean = Array.from({ length: TINY_HIDDEN_SIZE }, (_, j) => {
      return ids.reduce((sum, id) => sum + tinyEmbeddingRow(id)[j]!, 0) / ids.length;
    });
    const length = Math.hypot(...mean);
    expect(vector).toHaveLength(TINY_HIDDEN_SIZE);
    expect(norm(vector!)).toBeCloseTo(1, 6);
    Array.from(vector!).forEach((value, j) => {
      expect(value).toBeCloseTo(mean[j]! / length, 6);
    });
    await embedder.close();
  });

  it('gives the same vectors in batches (with padding) as one by one, in input order', async () => {
    const texts = [
      'running shoes',
      'red',
      'blue water bottle for the trail',
      '',
      'coffee grinder',
      'sneakers',
    ];
    const batched = await createTransformersEmbedder(config({ EMBEDDINGS_BATCH_SIZE: 4 }), recordingLog(), {
      localPath: modelDir,
    });
    const single = await createTransformersEmbedder(config({ EMBEDDINGS_BATCH_SIZE: 1 }), recordingLog(), {
      localPath: modelDir,
    });
    const together = await batched.embed(texts);
    const alone = await Promise.all(texts.map(async (text) => (await single.embed([text]))[0]!));
    expect(together).toHaveLength(texts.length);
    together.forEach((vector, i) => {
      expect(vector).toBeInstanceOf(Float32Array);
      expect(norm(vector)).toBeCloseTo(1, 5);
      Array.from(vector).forEach((value, j) => {
        expect(value).toBeCloseTo(alone[i]![j]!, 6);
      });
    });
    // Different texts, different vectors: the order really was restored.
    expect(Array.from(together[0]!)).not.toEqual(Array.from(together[4]!));
    expect(await batched.embed([])).toEqual([]);
    await batched.close();
    await single.close();
  });

  it('creates the pipeline once and reuses it for every embed call', async () => {
    let created = 0;
    const counting: PipelineFactory = (model, options) => {
      created++;
      return transformersPipeline(model, options);
    };
    const embedder = await createTransformersEmbedder(config(), recordingLog(), {
      localPath: modelDir,
      createPipeline: counting,
    });
    await embedder.embed(['running shoes']);
    await embedder.embed(['coffee grinder', 'red bottle']);
    expect(created).toBe(1);
    await embedder.close();
  });

  it('runs one batch at a time when embed is called concurrently', async () => {
    let running = 0;
    let most = 0;
    const watching: PipelineFactory = async (model, options) => {
      const extractor = await transformersPipeline(model, options);
      const wrapped = (async (texts: string[], opts: { pooling: 'mean'; normalize: true }) => {
        running++;
        most = Math.max(most, running);
        try {
          await new Promise((resolve) => setTimeout(resolve, 5));
          return await extractor(texts, opts);
        } finally {
          running--;
        }
      }) as typeof extractor;
      wrapped.dispose = () => extractor.dispose();
      return wrapped;
    };
    const embedder = await createTransformersEmbedder(config({ EMBEDDINGS_BATCH_SIZE: 1 }), recordingLog(), {
      localPath: modelDir,
      createPipeline: watching,
    });
    const results = await Promise.all([
      embedder.embed(['running shoes', 'red']),
      embedder.embed(['coffee grinder', 'blue']),
      embedder.embed(['water bottle']),
    ]);
    expect(results.map((vectors) => vectors.length)).toEqual([2, 2, 1]);
    expect(most).toBe(1);
    await embedder.close();
  });

  it('rejects a weights variant (dtype) the folder does not have', async () => {
    // The fixture has onnx/model.onnx only, not onnx/model_quantized.onnx.
    await expect(
      createTransformersEmbedder(config({ EMBEDDINGS_DTYPE: 'q8' }), recordingLog(), { localPath: modelDir }),
    ).rejects.toThrow(/model_quantized\.onnx/);
  });
});
