import type { App } from '@ecom/service-kit';
import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import { createEmbedder } from '../embedders/index.js';
import { createVectorStore } from '../vector-store/index.js';

/**
 * The embedder (transformers.js or hashing, from config) and the vector store (Milvus or
 * embedded) whose collection name carries that embedder's identity and dimension; a
 * readiness check, both closed with the app.
 */
export async function openVectors(app: App, config: Config): Promise<Pick<Deps, 'embedder' | 'vectorStore'>> {
  const embedder = await createEmbedder(config, app.log);
  const store = await createVectorStore(config, { id: embedder.id, dimension: embedder.dimension }, app.log);
  await store.init();
  app.log.info(
    {
      embedder: embedder.id,
      model: embedder.model,
      dimension: embedder.dimension,
      store: store.kind,
      collection: store.collection,
    },
    'vector store ready',
  );
  app.addReadinessCheck('vector_store', () => store.ping());
  app.addHook('onClose', async () => {
    await store.close();
    await embedder.close?.();
  });
  return { embedder, vectorStore: store };
}
