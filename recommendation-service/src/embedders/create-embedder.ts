import { existsSync } from 'node:fs';
import path from 'node:path';
import { reasonOf } from '@ecom/service-kit';
import type { Log } from '../log.js';
import { type EmbeddingsConfig, FETCHED_MODEL_DIR } from './config.js';
import type { Embedder } from './embedder.js';
import { HashingEmbedder } from './hashing-embedder.js';
import { assertHubAnswers } from './hub.js';
import {
  createTransformersEmbedder,
  DEFAULT_MODEL_ID,
  type PipelineFactory,
} from './transformers-embedder.js';

export class EmbedderLoadError extends Error {
  override name = 'EmbedderLoadError';
}

const FIX_HINT =
  'To use the real model without network access, run recommendation-service/scripts/fetch-model.sh ' +
  '(or copy a transformers.js model folder: config.json, tokenizer.json, tokenizer_config.json, ' +
  'onnx/model.onnx) and set EMBEDDINGS_MODEL_PATH to that folder.';

/**
 * EMBEDDINGS_MODEL (docs/embedders.md): `hashing`; `auto`, the transformers.js model from
 * EMBEDDINGS_MODEL_PATH or the default hub id, else the hashing embedder and a loud warning;
 * any other value, that model, which must load (the operator asked for exactly it).
 */
export async function createEmbedder(
  config: EmbeddingsConfig,
  log: Log,
  {
    createPipeline,
    fetchedModelDir: dir = FETCHED_MODEL_DIR,
    signal,
  }: {
    createPipeline?: PipelineFactory;
    /** Aborts a hub check or download: the service is shutting down (no fallback then). */
    signal?: AbortSignal;
    /** Where `auto` looks for a model built by scripts/fetch-model.sh; null: nowhere. */
    fetchedModelDir?: string | null;
  } = {},
): Promise<Embedder> {
  const hashing = new HashingEmbedder({ dimension: config.HASHING_DIMENSION });
  const choice = config.EMBEDDINGS_MODEL;
  if (choice === 'hashing') {
    log.info({ embedder: hashing.id, dimension: hashing.dimension }, 'using the hashing embedder');
    return hashing;
  }

  const auto = choice === 'auto';
  // After scripts/fetch-model.sh, `npm start` finds the model without any setting.
  const fetched = auto && dir && existsSync(path.join(dir, 'config.json')) ? dir : undefined;
  const localPath = config.EMBEDDINGS_MODEL_PATH ?? fetched;
  const model = auto ? (localPath ? undefined : DEFAULT_MODEL_ID) : choice;
  const described = localPath ? `model folder "${localPath}" (EMBEDDINGS_MODEL_PATH)` : `model "${model}"`;
  try {
    // Offline, fail here, before transformers.js (and onnxruntime with it) is imported; a model in
    // transformers.js's file cache (`cache_dir/<model>/<file>`) needs no hub.
    if (model && !localPath && !existsSync(path.join(config.EMBEDDINGS_CACHE_DIR, model, 'config.json'))) {
      await assertHubAnswers(config.EMBEDDINGS_HUB_URL, model, config.EMBEDDINGS_DOWNLOAD_TIMEOUT_MS, signal);
    }
    return await createTransformersEmbedder(config, log, { model, localPath, createPipeline, signal });
  } catch (error) {
    signal?.throwIfAborted();
    // With its causes: "fetch failed" alone does not say that DNS failed.
    const reason = reasonOf(error);
    const where = localPath ? '' : ' (the Hugging Face hub may be unreachable)';
    if (!auto) {
      throw new EmbedderLoadError(
        `Could not load the embeddings ${described} with dtype ${config.EMBEDDINGS_DTYPE}${where}: ${reason}. ` +
          `${FIX_HINT} Or set EMBEDDINGS_MODEL=auto to fall back to the hashing embedder, or =hashing.`,
        { cause: error },
      );
    }
    log.warn(
      { err: error, reason, embedder: hashing.id, dimension: hashing.dimension, fix: FIX_HINT },
      `!!! EMBEDDINGS MODEL NOT LOADED - FALLING BACK TO THE HASHING EMBEDDER (${hashing.id}): ` +
        `recommendations will match words, not meaning. Could not load the ${described}${where}: ${reason}. ` +
        `${FIX_HINT} Set EMBEDDINGS_MODEL=hashing to choose the hashing embedder on purpose.`,
    );
    return hashing;
  }
}
