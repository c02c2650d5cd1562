import type { ProgressInfo } from '@huggingface/transformers';
import type { EmbedderLog } from './log.js';

export interface ProgressLogOptions {
  /** Percentage steps between two lines for one file. */
  stepPercent?: number;
  /** A line at least this often while a file is still moving, whatever the step. */
  intervalMs?: number;
  /** Local files load in a blink: their lines go to debug. */
  level?: 'info' | 'debug';
  now?: () => number;
}

/**
 * Turns transformers.js `progress_callback` events into throttled log lines:
 * "model file onnx/model.onnx: 40% (53.2/133.0 MB)" every `stepPercent` or `intervalMs`.
 */
export function createProgressLog(
  log: EmbedderLog,
  model: string,
  options: ProgressLogOptions = {},
): (info: ProgressInfo) => void {
  const step = options.stepPercent ?? 10;
  const interval = options.intervalMs ?? 5_000;
  const level = options.level ?? 'info';
  const now = options.now ?? Date.now;
  const lastByFile = new Map<string, { percent: number; at: number }>();

  return (info) => {
    if (info.status !== 'progress') return;
    const percent = Math.floor(info.progress);
    const last = lastByFile.get(info.file);
    const at = now();
    const finished = percent >= 100;
    if (last) {
      if (last.percent >= 100) return;
      if (!finished && percent < last.percent + step && at - last.at < interval) return;
    }
    lastByFile.set(info.file, { percent, at });
    log[level](
      { model, file: info.file, percent, loadedBytes: info.loaded, totalBytes: info.total },
      `model file ${info.file}: ${percent}% (${megabytes(info.loaded)}/${megabytes(info.total)} MB)`,
    );
  };
}

function megabytes(bytes: number): string {
  return (bytes / 1_048_576).toFixed(1);
}
