import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const RESULTS_DIR = path.resolve(import.meta.dirname, '..', '..', 'results');

/** Writes a benchmark's results as JSON: `out` is a name under packages/bench/results/ or a path. */
export function writeResults(out: string, result: unknown, log: (line: string) => void): void {
  const file = path.resolve(RESULTS_DIR, out);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  const shown = path.relative(process.cwd(), file);
  log(`results: ${shown.startsWith('..') ? file : shown}`);
}
