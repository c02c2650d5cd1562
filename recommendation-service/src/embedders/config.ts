import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { durationMs } from '@ecom/service-kit';
import { z } from 'zod';
import { DEFAULT_HASHING_DIMENSION } from './hashing-embedder.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** Where scripts/fetch-model.sh puts the model it builds: `auto` uses it when present. */
export const FETCHED_MODEL_DIR = path.join(repoRoot, '.data', 'models', 'all-MiniLM-L6-v2');

/** The embedder's environment variables, spread into the service's config schema. */
export const embeddingsConfigShape = {
  /** `auto`, `hashing`, or a Hugging Face model id that must load (createEmbedder). */
  EMBEDDINGS_MODEL: z.string().trim().min(1).default('auto'),
  /** Local model folder (config.json, tokenizer.json, onnx/model.onnx); never downloads. */
  EMBEDDINGS_MODEL_PATH: z.string().optional(),
  /** ONNX weights: fp32 (onnx/model.onnx) as the original's PyTorch; q8 (model_quantized) ~1% off, faster. */
  EMBEDDINGS_DTYPE: z.enum(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4']).default('fp32'),
  /** Measured on this 2-core machine, see docs/embedders.md. */
  EMBEDDINGS_BATCH_SIZE: z.coerce.number().int().min(1).max(1024).default(8),
  /** ONNX Runtime intra-op threads; 0 = one per core. 1: the most work per CPU second (docs/embedders.md). */
  EMBEDDINGS_THREADS: z.coerce.number().int().min(0).max(64).default(1),
  /** Where downloaded models are cached (outside node_modules, so a reinstall keeps them). */
  EMBEDDINGS_CACHE_DIR: z.string().default(path.join(repoRoot, '.data', 'models-cache')),
  /** The Hugging Face hub or a mirror (transformers.js `env.remoteHost`); `auto` checks it answers first. */
  EMBEDDINGS_HUB_URL: z.string().url().default('https://huggingface.co/'),
  /** Longest wait for the model hub to answer one request before the load is given up. */
  EMBEDDINGS_DOWNLOAD_TIMEOUT_MS: durationMs(1, 600_000).default(10_000),
  HASHING_DIMENSION: z.coerce.number().int().min(16).max(65_536).default(DEFAULT_HASHING_DIMENSION),
};

export const embeddingsConfigSchema = z.object(embeddingsConfigShape);
export type EmbeddingsConfig = z.infer<typeof embeddingsConfigSchema>;
