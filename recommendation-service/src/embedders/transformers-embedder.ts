import path from 'node:path';
import type { PretrainedModelOptions, ProgressInfo } from '@huggingface/transformers';
import type { Embedder } from './embedder.js';
import { DEFAULT_HUB_URL, fetchWithTimeout } from './hub.js';
import type { EmbedderLog } from './log.js';
import { createProgressLog } from './progress-log.js';

/** sentence-transformers/all-MiniLM-L12-v2 in ONNX, as the original Python service used (384 dims). */
export const DEFAULT_MODEL_ID = 'Xenova/all-MiniLM-L12-v2';
/** Measured on this 2-core machine, see docs/embedders.md. */
export const DEFAULT_BATCH_SIZE = 8;
/** Same vectors as the original's PyTorch fp32 model; q8 trades ~1% cosine fidelity for speed. */
export const DEFAULT_DTYPE = 'fp32';
/** ONNX Runtime intra-op threads (measured, docs/embedders.md); 0 = ONNX Runtime's default. */
export const DEFAULT_THREADS = 1;
/** Weight variants transformers.js picks files by: fp32 = onnx/model.onnx, q8 = onnx/model_quantized.onnx, ... */
export const MODEL_DTYPES = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'] as const;
export type ModelDtype = (typeof MODEL_DTYPES)[number];

/** What the embedder needs of a transformers.js feature-extraction pipeline. */
export interface FeatureExtractor {
  (
    texts: string[],
    options: { pooling: 'mean'; normalize: true },
  ): Promise<{ data: ArrayLike<number>; dims: number[]; dispose?(): void }>;
  dispose(): Promise<void>;
}

export type PipelineFactory = (model: string, options: PretrainedModelOptions) => Promise<FeatureExtractor>;

/** The EMBEDDINGS_* settings (config.ts says what each means). */
export interface TransformersEmbedderOptions {
  /** Hugging Face model id; with `localPath` it only names the model. */
  model?: string;
  /** Model folder; loaded with downloads disabled. */
  localPath?: string;
  dtype?: ModelDtype;
  batchSize?: number;
  /** transformers.js's default is inside node_modules. */
  cacheDir?: string;
  threads?: number;
  hubUrl?: string;
  downloadTimeoutMs?: number;
  log: EmbedderLog;
  /** transformers.js `pipeline('feature-extraction', ...)` unless a test counts calls. */
  createPipeline?: PipelineFactory;
}

/**
 * Loads a sentence-transformer with transformers.js: the pipeline is created once here and
 * reused by every `embed` call. Reads the dimension from the model's own output.
 */
export async function createTransformersEmbedder(
  options: TransformersEmbedderOptions,
): Promise<TransformersEmbedder> {
  const dtype = options.dtype ?? DEFAULT_DTYPE;
  const threads = options.threads ?? DEFAULT_THREADS;
  const localPath = options.localPath === undefined ? undefined : path.resolve(options.localPath);
  const name = options.model ?? (localPath ? path.basename(localPath) : DEFAULT_MODEL_ID);
  const { env } = await import('@huggingface/transformers');
  // transformers.js settings are process-wide, so each load states all of them.
  // https://huggingface.co/docs/transformers.js/api/env
  env.allowLocalModels = true;
  env.allowRemoteModels = localPath === undefined;
  if (localPath) env.localModelPath = path.dirname(localPath);
  env.remoteHost = options.hubUrl ?? DEFAULT_HUB_URL;
  env.fetch = fetchWithTimeout(options.downloadTimeoutMs ?? 10_000);

  const started = Date.now();
  const progress = createProgressLog(options.log, name, { level: localPath ? 'debug' : 'info' });
  const createPipeline = options.createPipeline ?? transformersPipeline;
  // An absolute path is not a valid hub id, so transformers.js reads the folder as it is.
  const extractor = await createPipeline(localPath ?? name, {
    dtype,
    local_files_only: localPath !== undefined,
    ...(options.cacheDir ? { cache_dir: options.cacheDir } : {}),
    ...(threads > 0 ? { session_options: { intraOpNumThreads: threads } } : {}),
    progress_callback: (info: ProgressInfo) => progress(info),
  });
  try {
    const [probe] = await embedBatch(extractor, ['dimension probe']);
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const location = localPath ?? 'huggingface-hub';
    const embedder = new TransformersEmbedder(extractor, name, dtype, batchSize, location, probe!.length);
    options.log.info(
      { model: name, dtype, dimension: embedder.dimension, location, ms: Date.now() - started },
      'embeddings model loaded',
    );
    return embedder;
  } catch (error) {
    await extractor.dispose();
    throw error;
  }
}

/** transformers.js `pipeline('feature-extraction', ...)`, imported on first use (the hashing path never loads it). */
export const transformersPipeline: PipelineFactory = async (model, options) => {
  const { pipeline } = await import('@huggingface/transformers');
  return (await pipeline('feature-extraction', model, options)) as unknown as FeatureExtractor;
};

export class TransformersEmbedder implements Embedder {
  readonly id: string;
  // One batch at a time: embedding stays on EMBEDDINGS_THREADS cores (one by default, the
  // others serve requests), and concurrent runs would contend and add up their peak memory.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly extractor: FeatureExtractor,
    readonly model: string,
    dtype: ModelDtype,
    readonly batchSize: number,
    /** The model folder, or "huggingface-hub" for a downloaded (cached) model. */
    readonly location: string,
    readonly dimension: number,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
    }
    // The weights variant is part of the identity: fp32 and q8 vectors differ slightly.
    this.id = `${slug(model)}-${dtype}`;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const vectors = new Array<Float32Array>(texts.length);
    // Similar lengths in one batch waste less work on padding; the order is restored below.
    const order = texts.map((_, index) => index).sort((a, b) => texts[b]!.length - texts[a]!.length);
    for (let start = 0; start < order.length; start += this.batchSize) {
      const indices = order.slice(start, start + this.batchSize);
      const batchTexts = indices.map((index) => texts[index]!);
      const batch = await this.serially(() => embedBatch(this.extractor, batchTexts));
      for (const [row, index] of indices.entries()) vectors[index] = batch[row]!;
    }
    return vectors;
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.extractor.dispose();
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

async function embedBatch(extractor: FeatureExtractor, texts: string[]): Promise<Float32Array[]> {
  const output = await extractor(texts, { pooling: 'mean', normalize: true });
  try {
    const [rows, dimension] = output.dims;
    if (output.dims.length !== 2 || rows !== texts.length || !dimension) {
      throw new Error(`unexpected embedding shape [${output.dims.join(', ')}] for ${texts.length} texts`);
    }
    const data = output.data instanceof Float32Array ? output.data : Float32Array.from(output.data);
    // slice() copies: each vector owns its memory, not a view on the batch tensor.
    return texts.map((_, row) => data.slice(row * dimension, (row + 1) * dimension));
  } finally {
    output.dispose?.();
  }
}

/** Lower-case letters, digits and dashes: safe inside a collection name. */
function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
