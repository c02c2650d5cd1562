#!/usr/bin/env node
// Entry point of the two README commands on a machine with only Node 20 and npm:
//   npm start  -> installs what is missing, then starts the whole system
//   npm test   -> installs what is missing, then runs every test
// pnpm is run through npx because corepack cannot fetch it offline (architecture.md).
// package.json starts this with two V8 flags for `npm start`, measured on the whole process
// tree (docs/benchmarks.md, "Serving cost", memory):
//   --no-liftoff               WebAssembly (PGlite, Prisma's query compiler, the vector kernel)
//                              compiled once by the optimising compiler, not first by the
//                              baseline one too: ~40 MiB less resident, same query speed.
//   --max-semi-space-size=4    a 4 MiB young generation instead of 16: ~20 MiB less heap.
//   --heap-growing-percent=20  the old generation may grow to 1.2x what the last full GC kept,
//                              not V8's up to 4x: after the import, the 20k catalog's heap
//                              stayed at 187 MiB (146 used) instead of 318-472 (254-261 used).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PNPM = ['-y', 'pnpm@10.34.8'];
const command = process.argv[2];
const rest = process.argv.slice(3);

function run(cmd, args, extraEnv = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function installIfNeeded() {
  const marker = path.join(root, 'node_modules', '.modules.yaml');
  const lock = path.join(root, 'pnpm-lock.yaml');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('Installing dependencies (pnpm install)...');
  // onnxruntime-node's postinstall fetches a CUDA add-on and fails offline; the CPU build ships in the package.
  run('npx', [...PNPM, 'install', '--frozen-lockfile'], { ONNXRUNTIME_NODE_INSTALL: 'skip' });
}

installIfNeeded();
switch (command) {
  case 'test':
    run('npx', [...PNPM, 'exec', 'vitest', 'run', ...rest]);
    break;
  case 'start': {
    // In this process rather than a child: Ctrl-C and a SIGTERM sent to `npm start` reach the
    // launcher directly, which stops the services. Compiled, not through tsx (build-stack.mjs).
    const { stackBundle } = await import('./build-stack.mjs');
    await import(pathToFileURL(await stackBundle()).href);
    break;
  }
  default:
    console.error(`usage: node scripts/run.mjs start|test`);
    process.exit(2);
}
