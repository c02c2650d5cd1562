import type { ProgressInfo } from '@huggingface/transformers';
import type { EmbedderLog } from './log.js';

/** Percentage steps between two lines for one file, and a line at least this often while it moves. */
const STEP_PERCENT = 10;
const INTERVAL_MS = 5_000;

/**
 * Turns transformers.js `progress_callback` events into throttled log lines:
 * "model file onnx/model.onnx: 40% (53.2/133.0 MB)". Local files load in a blink: `level` debug.
 */
export function createProgressLog(
  log: EmbedderLog,
  model: string,
  { level = 'info', now = Date.now }: { level?: 'info' | 'debug'; now?: () => number } = {},
): (info: ProgressInfo) => void {
  const lastByFile = new Map<string, { percent: number; at: number }>();
  return (info) => {
    if (info.status !== 'progress') return;
    const percent = Math.floor(info.progress);
    const last = lastByFile.get(info.file);
    const at = now();
    if (last) {
      if (last.percent >= 100) return;
      if (percent < 100 && percent < last.percent + STEP_PERCENT && at - last.at < INTERVAL_MS) return;
    }
    lastByFile.set(info.file, { percent, at });
    log[level](
      { model, file: info.file, percent, loadedBytes: info.loaded, totalBytes: info.total },
      `model file ${info.file}: ${percent}% (${megabytes(info.loaded)}/${megabytes(info.total)} MB)`,
    );
  };
}

const megabytes = (bytes: number) => (bytes / 1_048_576).toFixed(1);
