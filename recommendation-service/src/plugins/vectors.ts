import { type App, reasonOf } from '@ecom/service-kit';
import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import { createEmbedder } from '../embedders/create-embedder.js';
import { createVectorStore } from '../vector-store/create-vector-store.js';
import { VectorStoreUnavailableError } from '../vector-store/errors.js';

/**
 * The embedder and the vector store whose collection name carries its identity and dimension;
 * the store is a readiness check. The caller closes both.
 */
export async function openVectors(
  app: App,
  config: Config,
  signal: AbortSignal,
  report: (step: string) => void,
): Promise<Pick<Deps, 'embedder' | 'vectorStore'>> {
  report(`loading the embedder (EMBEDDINGS_MODEL=${config.EMBEDDINGS_MODEL})`);
  const embedder = await createEmbedder(config, app.log, { signal });
  report('opening the vector store');
  const vectorStore = await createVectorStore(config, embedder, app.log);
  const info = vectorsInfo({ embedder, vectorStore });
  try {
    await vectorStore.init();
    app.log.info(info, 'vector store ready');
  } catch (err) {
    // Milvus down: start unready; readiness checks and data calls set the store up when it answers.
    if (!(err instanceof VectorStoreUnavailableError)) throw err;
    // Expected, and the store logged why: the reason on one line, no stack.
    app.log.warn(
      { reason: reasonOf(err.cause ?? err), ...info },
      'vector store unavailable at start; not ready until it answers',
    );
  }
  app.addReadinessCheck('vector_store', () => vectorStore.ping());
  return { embedder, vectorStore };
}

/** Which embedder and collection are in use, as the log, /recommendation/info and /metrics name them. */
export function vectorsInfo({ embedder, vectorStore }: Pick<Deps, 'embedder' | 'vectorStore'>) {
  return {
    embedder: embedder.id,
    model: embedder.model,
    dimension: embedder.dimension,
    store: vectorStore.kind,
    collection: vectorStore.collection,
  };
}
