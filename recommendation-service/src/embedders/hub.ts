import { existsSync } from 'node:fs';
import path from 'node:path';

/** The Hugging Face hub; EMBEDDINGS_HUB_URL names a mirror (or a test's stand-in) instead. */
export const DEFAULT_HUB_URL = 'https://huggingface.co/';

/**
 * The URL transformers.js fetches a model file from, with its default `remotePathTemplate`
 * (`{model}/resolve/{revision}/`) on `hubUrl`, which the loader uses as `env.remoteHost`.
 * https://huggingface.co/docs/transformers.js/api/env
 */
export function hubFileUrl(hubUrl: string, model: string, file: string): string {
  return new URL(`${model}/resolve/main/${file}`, hubUrl.endsWith('/') ? hubUrl : `${hubUrl}/`).href;
}

/**
 * Whether transformers.js would find the model in its file cache (`cache_dir/<model>/<file>`)
 * without asking the hub: then no reachability check is needed.
 */
export function isModelCached(cacheDir: string | undefined, model: string): boolean {
  return cacheDir !== undefined && existsSync(path.join(cacheDir, model, 'config.json'));
}

/**
 * Throws when the hub gives no HTTP answer for the model's config.json within `timeoutMs`
 * (no network, DNS fails, a firewall drops packets). Any HTTP answer, even 401 or 404,
 * counts as reachable: transformers.js then tries for real and says what is wrong.
 *
 * Checked before transformers.js is imported, because importing it loads onnxruntime
 * (+42 MiB resident, docs/benchmarks.md "Serving cost") that an offline `auto` start,
 * which ends with the hashing embedder, would carry for nothing.
 */
export async function assertHubAnswers(hubUrl: string, model: string, timeoutMs: number): Promise<void> {
  const url = hubFileUrl(hubUrl, model, 'config.json');
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error(`no answer within ${timeoutMs} ms from ${url}`)),
    timeoutMs,
  );
  try {
    const response = await fetch(url, { method: 'HEAD', signal: controller.signal });
    await response.body?.cancel();
  } finally {
    clearTimeout(timer);
  }
}
