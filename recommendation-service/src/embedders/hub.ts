/**
 * Throws when the hub gives no HTTP answer for the model's config.json within `timeoutMs`; any
 * answer, even 404, counts (transformers.js then says what is wrong). Checked before importing
 * transformers.js, whose onnxruntime (+42 MiB, docs/benchmarks.md "Serving cost") an offline
 * `auto` start, ending with the hashing embedder, would carry for nothing.
 */
export async function assertHubAnswers(
  hubUrl: string,
  model: string,
  timeoutMs: number,
  stop?: AbortSignal,
): Promise<void> {
  // transformers.js's default `remotePathTemplate` on `env.remoteHost`:
  // https://huggingface.co/docs/transformers.js/api/env
  const url = new URL(`${model}/resolve/main/config.json`, hubUrl.endsWith('/') ? hubUrl : `${hubUrl}/`);
  const response = await fetchWithTimeout(timeoutMs, stop)(url.href, { method: 'HEAD' });
  await response.body?.cancel();
}

/**
 * Bounds the wait for response headers only: without network, or behind a firewall that
 * drops packets, a hub request would otherwise hang for minutes before the fallback. The
 * body (a large model file) may then take as long as it needs, unless `stop` aborts (the service
 * is shutting down).
 */
export function fetchWithTimeout(timeoutMs: number, stop?: AbortSignal): typeof fetch {
  return async (input, init) => {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`no answer within ${timeoutMs} ms from ${String(input)}`)),
      timeoutMs,
    );
    try {
      const signal = stop ? AbortSignal.any([controller.signal, stop]) : controller.signal;
      return await fetch(input, { ...init, signal });
    } finally {
      clearTimeout(timer);
    }
  };
}
