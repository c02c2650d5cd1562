// Throughput and memory of the transformers.js embedder on a real model folder.
// Run (from recommendation-service/), one configuration per process so peak RSS is its own:
//   npx tsx test/embedders/bench/bench-transformers.ts <model-folder> <fp32|q8> <batch-size> [count]
import { embeddingsConfigSchema } from '../../../src/embedders/config.js';
import { createTransformersEmbedder } from '../../../src/embedders/transformers-embedder.js';
import { silentLog } from '../../../src/log.js';
import { syntheticTexts } from './products.js';
import { categoryNeighbourScore } from './quality.js';

const [localPath, dtype = 'fp32', batch = '32', count = '2000'] = process.argv.slice(2);
if (!localPath) throw new Error('usage: bench-transformers.ts <model-folder> [dtype] [batch-size] [count]');
const rssMb = () => Math.round(process.memoryUsage().rss / 1_048_576);

const before = rssMb();
const config = embeddingsConfigSchema.parse({
  EMBEDDINGS_DTYPE: dtype,
  EMBEDDINGS_BATCH_SIZE: batch,
  EMBEDDINGS_THREADS: process.env.THREADS,
});
const embedder = await createTransformersEmbedder(config, silentLog, { localPath });
const loaded = rssMb();
const texts = syntheticTexts(Number(count));
await embedder.embed(texts.slice(0, Number(batch))); // warm-up
const cpuBefore = process.cpuUsage();
const started = process.hrtime.bigint();
await embedder.embed(texts);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const quality = process.env.QUALITY ? await categoryNeighbourScore(embedder) : undefined;
console.log(
  [
    `${embedder.id} batch=${batch} threads=${process.env.THREADS ?? 'default (1)'}`,
    `${Math.round(texts.length / seconds)} texts/s wall`,
    `${Math.round(texts.length / cpuSeconds)} texts/cpu-s`,
    `rss: start ${before} MB, model loaded ${loaded} MB, peak ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
    quality
      ? `same-category nearest top1 ${(quality.top1 * 100).toFixed(1)}% top5 ${(quality.top5 * 100).toFixed(1)}%`
      : '',
  ].join(' | '),
);
await embedder.close();
