import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { SERVICES } from '@ecom/stack/services';
import { REPO_ROOT } from '@ecom/stack/start-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Each service run alone, as in its container: its JSON log lines, once collected with the
// others', must say which service wrote them.
const tsxLoader = pathToFileURL(
  createRequire(path.join(REPO_ROOT, 'scripts', 'stack', 'package.json')).resolve('tsx'),
).href;

/** Embedded databases, no start-up import and no peers: only the service's own start-up. */
const ALONE = {
  DATABASE_URL: '',
  MILVUS_ADDRESS: '',
  INTERNAL_API_TOKEN: '',
  LOG_LEVEL: 'info',
  HOST: '127.0.0.1',
  PORT: '0',
  SEED_ON_START: 'false',
  IMPORT_ON_START: 'false',
  OUTBOX_ENABLED: 'false',
  EMBEDDINGS_MODEL: 'hashing',
  REINDEX_ON_EMPTY: 'false',
};

/** The JSON lines a service prints until it listens (then it is stopped). */
async function linesUntilListening(dir: string, entry: string, dataDir: string): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', tsxLoader, entry], {
    cwd: path.join(REPO_ROOT, dir),
    env: { ...process.env, ...ALONE, DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const closed = new Promise((resolve) => child.once('close', resolve));
  const lines: string[] = [];
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      if (!line.startsWith('{')) continue;
      lines.push(line);
      if (line.includes('Server listening')) break;
    }
  } finally {
    child.kill('SIGTERM');
    await closed;
  }
  return lines;
}

describe("a service's own JSON log lines", () => {
  let dataDir: string;
  const linesOf = new Map<string, string[]>();

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'service-logs-'));
    for (const spec of SERVICES) {
      linesOf.set(spec.name, await linesUntilListening(spec.dir, spec.entry, dataDir));
    }
  }, 180_000);
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each(SERVICES.map((spec) => spec.name))('name %s on every line, with pid and hostname', (name) => {
    const entries = linesOf.get(name)!.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.some((entry) => String(entry.msg).startsWith('Server listening'))).toBe(true);
    for (const entry of entries) {
      expect(entry).toMatchObject({ service: name, hostname: os.hostname() });
      expect(entry.pid).toEqual(expect.any(Number));
    }
  });
});
