import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { createEmbedder, type Embedder } from '../embedders/index.js';
import { createVectorStore, type VectorStore } from '../vector-store/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    embedder: Embedder;
    vectorStore: VectorStore;
  }
}

/**
 * The embedder (transformers.js or hashing, from config) and the vector store (Milvus or
 * embedded) whose collection name carries that embedder's identity and dimension.
 */
export default fp(
  async function vectorsPlugin(app: FastifyInstance, opts: { config: Config }) {
    const embedder = await createEmbedder(opts.config, app.log);
    const store = createVectorStore(opts.config, { id: embedder.id, dimension: embedder.dimension }, app.log);
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
    app.decorate('embedder', embedder);
    app.decorate('vectorStore', store);
    app.addReadinessCheck('vector_store', () => store.ping());
    app.addHook('onClose', async () => {
      await store.close();
      await embedder.close?.();
    });
  },
  { name: 'vectors' },
);
