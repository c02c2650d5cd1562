// Loads a model folder the way the service does (EMBEDDINGS_MODEL_PATH, downloads disabled)
// in both weight variants and checks that similar products score higher than unrelated ones.
//   npx tsx scripts/check-model.ts <model-folder>
import { createEmbedder, embeddingsConfigSchema } from '../src/embedders/index.js';

const folder = process.argv[2];
if (!folder) throw new Error('usage: check-model.ts <model-folder>');
const log = {
  debug() {},
  info(obj: object, msg: string) {
    console.log(`  ${msg} ${JSON.stringify(obj)}`);
  },
  warn(obj: object, msg: string) {
    console.warn(`  WARN ${msg} ${JSON.stringify(obj)}`);
  },
};
const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, value, i) => sum + value * b[i]!, 0);

let failed = false;
for (const dtype of ['fp32', 'q8']) {
  const config = embeddingsConfigSchema.parse({
    EMBEDDINGS_MODEL: folder.split('/').at(-1),
    EMBEDDINGS_MODEL_PATH: folder,
    EMBEDDINGS_DTYPE: dtype,
  });
  const embedder = await createEmbedder(config, log);
  const [shoes, sneakers, grinder] = await embedder.embed([
    'running shoes',
    'trail sneakers',
    'coffee grinder',
  ]);
  const near = dot(shoes!, sneakers!);
  const far = dot(shoes!, grinder!);
  const ok = near > far + 0.1;
  failed ||= !ok;
  console.log(
    `  ${embedder.id} (${embedder.dimension} dims): "running shoes"~"trail sneakers" ${near.toFixed(3)}, ` +
      `"running shoes"~"coffee grinder" ${far.toFixed(3)} ${ok ? 'ok' : 'WRONG'}`,
  );
  await embedder.close?.();
}
if (failed) process.exit(1);
