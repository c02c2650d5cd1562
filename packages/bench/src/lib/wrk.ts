import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface WrkResult {
  connections: number;
  threads: number;
  duration_s: number;
  requests: number;
  requests_per_s: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Non-2xx/3xx answers, socket errors and timeouts. */
  errors: number;
}

/**
 * wrk (Debian package `wrk`): a C load generator, so on a 2-core machine it takes far less CPU
 * from the services than a Node one would. Each request takes the next path of `paths` (each
 * thread starts at its own offset), so many customers/pages are hit, not one cached URL.
 */
export async function runWrk(options: {
  baseUrl: string;
  paths: readonly string[];
  connections: number;
  durationSeconds: number;
  workDir: string;
}): Promise<WrkResult> {
  const threads = Math.min(2, options.connections);
  const pathsFile = path.join(options.workDir, `paths-${process.pid}-${Date.now()}.txt`);
  await writeFile(pathsFile, `${options.paths.join('\n')}\n`);
  const script = path.join(options.workDir, `rotate-${process.pid}-${Date.now()}.lua`);
  await writeFile(script, luaScript(pathsFile));
  const { stdout } = await run(
    'wrk',
    [
      `-t${threads}`,
      `-c${options.connections}`,
      `-d${options.durationSeconds}s`,
      '--timeout',
      '10s',
      '-s',
      script,
      options.baseUrl,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const line = stdout.split('\n').find((text) => text.startsWith('{"wrk":'));
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  const raw = JSON.parse(line) as {
    requests: number;
    duration_us: number;
    errors: number;
    p50_us: number;
    p90_us: number;
    p99_us: number;
    max_us: number;
  };
  const ms = (us: number) => Math.round(us / 100) / 10;
  return {
    connections: options.connections,
    threads,
    duration_s: Math.round(raw.duration_us / 1e4) / 100,
    requests: raw.requests,
    requests_per_s: Math.round(raw.requests / (raw.duration_us / 1e6)),
    p50_ms: ms(raw.p50_us),
    p90_ms: ms(raw.p90_us),
    p99_ms: ms(raw.p99_us),
    max_ms: ms(raw.max_us),
    errors: raw.errors,
  };
}

export async function assertWrkInstalled(): Promise<void> {
  try {
    await run('wrk', ['--version']);
  } catch (error) {
    // wrk --version exits 1 after printing its banner
    const output = String((error as { stdout?: string }).stdout ?? '');
    if (output.includes('wrk')) return;
    throw new Error('wrk is not installed: `apt-get install wrk` (Debian package)');
  }
}

function luaScript(pathsFile: string): string {
  return `
local paths = {}
for line in io.lines(${JSON.stringify(pathsFile)}) do
  if #line > 0 then paths[#paths + 1] = line end
end
local counter = 0
local threads = {}

function setup(thread)
  thread:set("offset", #threads * 7919)
  threads[#threads + 1] = thread
end

function init(args)
  counter = offset or 0
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"wrk":1,"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
`;
}
