// Loads a model folder the way the service does (EMBEDDINGS_MODEL_PATH, downloads disabled)
// in both weight variants and checks that similar products score higher than unrelated ones.
//   npx tsx scripts/check-model.ts <model-folder>
import { embeddingsConfigSchema } from '../src/embedders/config.js';
import { createEmbedder } from '../src/embedders/create-embedder.js';

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

const products = [
  'Trailblazer running shoes: lightweight trail runners with a grippy sole',
  'Burr coffee grinder with 18 grind settings for espresso to French press',
  'Insulated stainless steel water bottle, keeps drinks cold for 24 hours',
  'Noise-cancelling wireless headphones with 30-hour battery life',
];
let failed = false;
let fp32Vectors: Float32Array[] = [];
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
  const vectors = await embedder.embed(products);
  if (dtype === 'fp32') fp32Vectors = vectors;
  else {
    const agreement = vectors.map((vector, i) => dot(vector, fp32Vectors[i]!));
    const worst = Math.min(...agreement);
    failed ||= worst < 0.97;
    console.log(
      `  q8 vs fp32 cosine on product texts: min ${worst.toFixed(4)} ${worst < 0.97 ? 'WRONG' : 'ok'}`,
    );
  }
  await embedder.close?.();
}
if (failed) process.exit(1);
