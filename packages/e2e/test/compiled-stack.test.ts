import { spawn } from 'node:child_process';
import { readFileSync, statSync, utimesSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '@ecom/stack/start-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm start` runs the launcher and the services compiled by scripts/build-stack.mjs, not
// through tsx (docs/benchmarks.md, "Serving cost", memory). This builds that bundle in a
// scratch folder and runs it the way package.json's start script does.
type BuildStack = { stackBundle(options?: { outDir?: string }): Promise<string> };
const buildScript = pathToFileURL(path.join(REPO_ROOT, 'scripts', 'build-stack.mjs')).href;
const BUDGET_MS = 120_000;

/** The node flags of package.json's start script, so the test runs what `npm start` runs. */
function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  return pkg.scripts.start.split(/\s+/).filter((word) => word.startsWith('--'));
}

describe('the compiled stack of npm start', () => {
  let scratch: string;
  let bundle: string;
  let build: BuildStack;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'compiled-stack-'));
    build = (await import(buildScript)) as BuildStack;
    bundle = await build.stackBundle({ outDir: path.join(scratch, 'bundle') });
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('is built once, and again when a file it was built from is newer', async () => {
    const builtAt = statSync(bundle).mtimeMs;
    expect(await build.stackBundle({ outDir: path.join(scratch, 'bundle') })).toBe(bundle);
    expect(statSync(bundle).mtimeMs).toBe(builtAt);
    // As if every source had been edited after the build.
    utimesSync(bundle, new Date(0), new Date(0));
    await build.stackBundle({ outDir: path.join(scratch, 'bundle') });
    expect(statSync(bundle).mtimeMs).toBeGreaterThan(0);
  });

  it('loads neither the Milvus SDK nor transformers.js with the services (only through import())', () => {
    const metafile = JSON.parse(
      readFileSync(path.join(path.dirname(bundle), 'metafile.json'), 'utf8'),
    ) as Metafile;
    const loaded = loadedWithTheServices(metafile);
    expect(loaded.some((file) => file.includes('milvus2-sdk-node'))).toBe(false);
    expect(loaded.some((file) => file.includes('@huggingface'))).toBe(false);
    // The walk reaches npm packages at all: PGlite is loaded with the services.
    expect(loaded.some((file) => file.includes('@electric-sql/pglite'))).toBe(true);
    // And the Milvus store is in the bundle, for MILVUS_ADDRESS.
    expect(Object.keys(metafile.inputs).some((file) => file.endsWith('milvus-store.ts'))).toBe(true);
  });

  it(
    'starts the three services, answers a recommendation and stops on SIGTERM',
    async () => {
      const child = spawn(process.execPath, [...startFlags(), bundle], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          USER_SERVICE_PORT: '0',
          CATALOG_SERVICE_PORT: '0',
          RECOMMENDATION_SERVICE_PORT: '0',
          DATA_DIR: path.join(scratch, 'data'),
          DATABASE_URL: '',
          MILVUS_ADDRESS: '',
          EMBEDDINGS_MODEL: 'hashing',
          INTERNAL_API_TOKEN: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        await until(
          () => output.includes('all services are ready'),
          () => output,
        );
        const recommendation = /recommendations for customer 3: (\S+)/.exec(output)?.[1];
        expect(recommendation, output).toBeDefined();
        let status = 0;
        await until(
          async () => {
            status = (await fetch(recommendation!)).status;
            return status === 200;
          },
          () => `last status ${status}\n${output}`,
        );
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited, output).toBe(0);
      expect(output).toContain('[stack] stopped');
    },
    BUDGET_MS + 30_000,
  );
});

interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<
    string,
    { entryPoint?: string; imports: { path: string; kind: string; external?: boolean }[] }
  >;
}

/**
 * What starting the stack loads: the entry, what it imports statically, and each service's
 * app (imported with import() by the launcher), with what those import statically.
 */
function loadedWithTheServices(metafile: Metafile): string[] {
  const outputs = Object.entries(metafile.outputs);
  const entry = outputs.find(([file]) => file.endsWith('/stack.mjs'))![0];
  const apps = outputs
    .filter(([, output]) => output.entryPoint?.endsWith('/src/app.ts'))
    .map(([file]) => file);
  expect(apps).toHaveLength(3);
  const seen = new Set<string>();
  const queue = [entry, ...apps];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const edge of metafile.outputs[file]?.imports ?? []) {
      if (edge.kind === 'import-statement') queue.push(edge.path);
    }
  }
  return [...seen];
}

async function until(condition: () => boolean | Promise<boolean>, describe: () => string): Promise<void> {
  const deadline = Date.now() + BUDGET_MS;
  for (;;) {
    try {
      if (await condition()) return;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting:\n${describe().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}
