import { describe, expect, it } from 'vitest';
import { createProgressLog } from '../../src/embedders/transformers-embedder.js';
import { recordingLog } from './helpers.js';

describe('model download progress log', () => {
  it('logs every 10% or every 5 s per file, and 100% once', () => {
    const log = recordingLog();
    let now = 0;
    const progress = createProgressLog(log, 'Xenova/all-MiniLM-L12-v2', { now: () => now });
    const total = 133 * 1_048_576;
    const event = (file: string, percent: number) =>
      progress({
        status: 'progress',
        name: 'm',
        file,
        progress: percent,
        loaded: (total * percent) / 100,
        total,
      });

    for (let percent = 0; percent <= 100; percent += 1) {
      now += 10;
      event('onnx/model.onnx', percent);
    }
    event('onnx/model.onnx', 100);
    now += 60_000;
    event('config.json', 3);
    now += 1_000;
    event('config.json', 4); // not 10% further, not 5 s later
    now += 5_000;
    event('config.json', 5); // 5 s later
    progress({ status: 'done', name: 'm', file: 'config.json' });

    const lines = log.lines.map((line) => line.msg);
    expect(lines.filter((line) => line.includes('onnx/model.onnx'))).toHaveLength(11);
    expect(lines[4]).toBe('model file onnx/model.onnx: 40% (53.2/133.0 MB)');
    expect(lines.at(-1)).toContain('config.json: 5%');
    expect(lines.filter((line) => line.includes('config.json'))).toHaveLength(2);
    expect(log.lines.every((line) => line.level === 'info')).toBe(true);
    expect(log.lines[0]!.obj).toMatchObject({
      model: 'Xenova/all-MiniLM-L12-v2',
      file: 'onnx/model.onnx',
      percent: 0,
    });
  });
});
