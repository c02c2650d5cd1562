// Preloaded into the processes of `npm start` by `pnpm bench:serving --memory-detail`
// (NODE_OPTIONS=--import): on SIGUSR2 the process writes where its memory is, as Node and V8
// count it, to <tmpdir>/ecom-memory-probe-<pid>.json. RSS beyond the V8 heap and
// `external` (ArrayBuffers, WebAssembly memories) is native: code, malloc, thread stacks.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';

const mib = (bytes) => Math.round(bytes / 1048576);

process.on('SIGUSR2', () => {
  const usage = process.memoryUsage();
  const spaces = Object.fromEntries(
    v8.getHeapSpaceStatistics().map((space) => [space.space_name, mib(space.physical_space_size)]),
  );
  const detail = {
    rss_mib: mib(usage.rss),
    heap_total_mib: mib(usage.heapTotal),
    heap_used_mib: mib(usage.heapUsed),
    external_mib: mib(usage.external),
    array_buffers_mib: mib(usage.arrayBuffers),
    heap_spaces_mib: spaces,
  };
  writeFileSync(path.join(os.tmpdir(), `ecom-memory-probe-${process.pid}.json`), JSON.stringify(detail));
});
