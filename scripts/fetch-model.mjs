#!/usr/bin/env node
// Downloads a sentence-transformers model in ONNX form from the Hugging Face hub into the
// folder layout the recommendation service loads with EMBEDDINGS_MODEL_PATH:
//   <dest>/config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx
// usage: node scripts/fetch-model.mjs <model id> <dest folder> [onnx file]
// The Dockerfile runs it when building the recommendation-service image online; HF_ENDPOINT selects a mirror.
// Files land in <dest>.partial first, so an interrupted download never looks like a model.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

const [modelId, dest, onnxFile = 'onnx/model.onnx'] = process.argv.slice(2);
if (!modelId || !dest) {
  console.error('usage: node scripts/fetch-model.mjs <model id> <dest folder> [onnx file]');
  process.exit(2);
}
const endpoint = (process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/$/, '');
const required = ['config.json', 'tokenizer.json', 'tokenizer_config.json', onnxFile];
const optional = ['special_tokens_map.json'];
const partial = `${dest}.partial`;

await rm(partial, { recursive: true, force: true });
for (const file of [...required, ...optional]) {
  const url = `${endpoint}/${modelId}/resolve/main/${file}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(600_000) }).catch((error) => {
    console.error(`fetch-model: ${url}: ${error.cause?.message ?? error.message}`);
    process.exit(1);
  });
  if (!response.ok) {
    if (optional.includes(file)) continue;
    console.error(`fetch-model: ${url} answered ${response.status}`);
    process.exit(1);
  }
  const target = path.join(partial, file);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, Buffer.from(await response.arrayBuffer()));
  console.log(`fetch-model: ${modelId}/${file}`);
}
await rm(dest, { recursive: true, force: true });
await rename(partial, dest);
console.log(`fetch-model: ${modelId} is in ${dest}`);
