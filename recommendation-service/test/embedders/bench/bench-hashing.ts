// Throughput and quality of the hashing embedder per dimension.
// Run: npx tsx test/embedders/bench/bench-hashing.ts [count]   (from recommendation-service/)
import { HashingEmbedder } from '../../../src/embedders/hashing-embedder.js';
import { syntheticTexts } from './products.js';
import { categoryNeighbourScore } from './quality.js';

const count = Number(process.argv[2] ?? 20_000);
const texts = syntheticTexts(count);
const words = texts.reduce((sum, t) => sum + t.split(/\s+/).length, 0) / texts.length;
console.log(`${count} texts, ${words.toFixed(1)} words/text on average`);

for (const dimension of [256, 384, 512, 768, 1024, 2048, 4096]) {
  const embedder = new HashingEmbedder({ dimension });
  await embedder.embed(texts.slice(0, 500)); // warm-up (JIT)
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  await embedder.embed(texts);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const quality = await categoryNeighbourScore(embedder);
  console.log(
    `d=${dimension}\t${Math.round(count / seconds)} texts/s wall, ${Math.round(count / cpuSeconds)} texts/cpu-s\t` +
      `same-category nearest: top1 ${(quality.top1 * 100).toFixed(1)}%  top5 ${(quality.top5 * 100).toFixed(1)}%`,
  );
}
