import path from 'node:path';
import type { PretrainedModelOptions, ProgressInfo } from '@huggingface/transformers';
import type { Log } from '../log.js';
import { SerialQueue } from '../sync/serial-queue.js';
import type { EmbeddingsConfig } from './config.js';
import type { Embedder } from './embedder.js';
import { fetchWithTimeout } from './hub.js';

/** sentence-transformers/all-MiniLM-L12-v2 in ONNX, as the original Python service used (384 dims). */
export const DEFAULT_MODEL_ID = 'Xenova/all-MiniLM-L12-v2';

/** What the embedder needs of a transformers.js feature-extraction pipeline. */
interface FeatureExtractor {
  (
    texts: string[],
    options: { pooling: 'mean'; normalize: true },
  ): Promise<{ data: ArrayLike<number>; dims: number[]; dispose?(): void }>;
  dispose(): Promise<void>;
}

export type PipelineFactory = (model: string, options: PretrainedModelOptions) => Promise<FeatureExtractor>;

/**
 * Loads a sentence-transformer with transformers.js: the pipeline is created once here and
 * reused by every `embed` call. Reads the dimension from the model's own output.
 */
export async function createTransformersEmbedder(
  config: EmbeddingsConfig,
  log: Log,
  options: {
    /** Hugging Face model id; with `localPath` it only names the model. */
    model?: string;
    /** Model folder; loaded with downloads disabled. */
    localPath?: string;
    /** transformers.js `pipeline('feature-extraction', ...)` unless a test counts calls. */
    createPipeline?: PipelineFactory;
    /** Aborts a download (the service is shutting down). */
    signal?: AbortSignal;
  },
): Promise<TransformersEmbedder> {
  const { EMBEDDINGS_DTYPE: dtype, EMBEDDINGS_THREADS: threads } = config;
  const localPath = options.localPath === undefined ? undefined : path.resolve(options.localPath);
  const name = options.model ?? (localPath ? path.basename(localPath) : DEFAULT_MODEL_ID);
  const { env } = await import('@huggingface/transformers');
  // transformers.js settings are process-wide, so each load states all of them.
  // https://huggingface.co/docs/transformers.js/api/env
  env.allowLocalModels = true;
  env.allowRemoteModels = localPath === undefined;
  if (localPath) env.localModelPath = path.dirname(localPath);
  env.remoteHost = config.EMBEDDINGS_HUB_URL;
  env.fetch = fetchWithTimeout(config.EMBEDDINGS_DOWNLOAD_TIMEOUT_MS, options.signal);

  const started = Date.now();
  const progress = createProgressLog(log, name, { level: localPath ? 'debug' : 'info' });
  // An absolute path is not a valid hub id, so transformers.js reads the folder as it is.
  const extractor = await (options.createPipeline ?? transformersPipeline)(localPath ?? name, {
    dtype,
    local_files_only: localPath !== undefined,
    cache_dir: config.EMBEDDINGS_CACHE_DIR,
    ...(threads > 0 ? { session_options: { intraOpNumThreads: threads } } : {}),
    progress_callback: (info: ProgressInfo) => progress(info),
  });
  try {
    const [probe] = await embedBatch(extractor, ['dimension probe']);
    const location = localPath ?? 'huggingface-hub';
    const batchSize = config.EMBEDDINGS_BATCH_SIZE;
    const embedder = new TransformersEmbedder(extractor, name, dtype, batchSize, location, probe!.length);
    log.info(
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
  private readonly queue = new SerialQueue();

  constructor(
    private readonly extractor: FeatureExtractor,
    readonly model: string,
    dtype: string,
    readonly batchSize: number,
    /** The model folder, or "huggingface-hub" for a downloaded (cached) model. */
    readonly location: string,
    readonly dimension: number,
  ) {
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
      const batch = await this.queue.run(() => embedBatch(this.extractor, batchTexts));
      for (const [row, index] of indices.entries()) vectors[index] = batch[row]!;
    }
    return vectors;
  }

  async close(): Promise<void> {
    await this.queue.idle();
    await this.extractor.dispose();
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

/** Percentage steps between two lines for one file, and a line at least this often while it moves. */
const STEP_PERCENT = 10;
const INTERVAL_MS = 5_000;

/**
 * Turns transformers.js `progress_callback` events into throttled log lines:
 * "model file onnx/model.onnx: 40% (53.2/133.0 MB)". Local files load in a blink: `level` debug.
 */
export function createProgressLog(
  log: Log,
  model: string,
  { level = 'info', now = Date.now }: { level?: 'info' | 'debug'; now?: () => number } = {},
): (info: ProgressInfo) => void {
  const lastByFile = new Map<string, { percent: number; at: number }>();
  return (info) => {
    if (info.status !== 'progress') return;
    const percent = Math.floor(info.progress);
    const last = lastByFile.get(info.file);
    const at = now();
    if (last) {
      if (last.percent >= 100) return;
      if (percent < 100 && percent < last.percent + STEP_PERCENT && at - last.at < INTERVAL_MS) return;
    }
    lastByFile.set(info.file, { percent, at });
    log[level](
      { model, file: info.file, percent, loadedBytes: info.loaded, totalBytes: info.total },
      `model file ${info.file}: ${percent}% (${megabytes(info.loaded)}/${megabytes(info.total)} MB)`,
    );
  };
}

const megabytes = (bytes: number) => (bytes / 1_048_576).toFixed(1);
