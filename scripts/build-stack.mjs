// `npm start` runs the launcher and the three services compiled to one JavaScript file instead
// of through tsx: no module-hooks thread, no esbuild helper process, no transformed sources and
// source maps held in memory (measured in docs/benchmarks.md, "Serving cost", memory).
// The bundle is rebuilt when any file it was built from changed (esbuild's metafile lists
// them), so editing a service and running `npm start` again runs the edit.
// - Our own code (scripts/stack, the services, the @ecom/* workspace packages) is bundled.
// - npm packages stay external, imported by the absolute path of the file the importing source
//   would have loaded (pnpm gives each package its own dependency versions). The bundle lives
//   under node_modules/.cache of this checkout and is never moved.
// - import.meta.url/dirname/filename are the source file's, so code that finds files next to
//   itself (migrations, the PGlite initdb script, config defaults) sees the source layout.
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { externalNpmPackages } from './external-npm-packages.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The bundle of scripts/stack.ts, built first if missing or older than any of its sources.
 * `outDir` (tests) defaults to node_modules/.cache/ecom-stack.
 */
export async function stackBundle({ outDir = path.join(root, 'node_modules', '.cache', 'ecom-stack') } = {}) {
  const outfile = path.join(outDir, 'stack.mjs');
  const inputsFile = path.join(outDir, 'inputs.json');
  if (isFresh(outfile, inputsFile)) return outfile;
  const started = Date.now();
  const esbuild = await import('esbuild');
  // Built beside, then swapped in: chunk names carry content hashes, old ones would pile up.
  const buildDir = `${outDir}.${process.pid}`;
  rmSync(buildDir, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['scripts/stack.ts'],
    outdir: buildDir,
    outExtension: { '.js': '.mjs' },
    // A dynamic import() stays a separate file, so its static imports of npm packages (the
    // Milvus SDK, loaded only with MILVUS_ADDRESS) are not hoisted into the entry.
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Node's own conditions for `import` (esbuild would otherwise add `module`).
    conditions: [],
    // Class and function names stay readable in logs and stack traces.
    keepNames: true,
    metafile: true,
    logLevel: 'warning',
    plugins: [externalNpmPackages({ importPath: (file) => pathToFileURL(file).href }), sourceImportMeta],
  });
  // esbuild's helper process would otherwise live on beside the services (36 MiB resident).
  await esbuild.stop();
  const inputs = Object.keys(result.metafile.inputs)
    .filter((input) => !input.includes('node_modules/'))
    .map((input) => path.join(root, input))
    .concat(fileURLToPath(import.meta.url)); // a change of this recipe rebuilds too
  writeFileSync(path.join(buildDir, 'inputs.json'), JSON.stringify(inputs));
  // What imports what (output files, relative to the checkout): the tests read it.
  writeFileSync(path.join(buildDir, 'metafile.json'), JSON.stringify(result.metafile));
  rmSync(outDir, { recursive: true, force: true });
  try {
    renameSync(buildDir, outDir);
  } catch (error) {
    // Another `npm start` of this checkout swapped its build in first: same sources, use it.
    rmSync(buildDir, { recursive: true, force: true });
    if (!existsSync(outfile)) throw error;
  }
  console.log(`[stack] compiled the services (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return outfile;
}

function isFresh(outfile, inputsFile) {
  if (!existsSync(outfile) || !existsSync(inputsFile)) return false;
  const built = statSync(outfile).mtimeMs;
  const inputs = JSON.parse(readFileSync(inputsFile, 'utf8'));
  // A new file anywhere is only reached through an edited one, whose mtime changed.
  return inputs.every((input) => existsSync(input) && statSync(input).mtimeMs < built);
}

const sourceImportMeta = {
  name: 'source-import-meta',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.')) return undefined;
      const contents = source
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll('import.meta.dirname', JSON.stringify(path.dirname(args.path)))
        .replaceAll('import.meta.filename', JSON.stringify(args.path));
      return { contents, loader: path.extname(args.path).slice(1).replace(/^[cm]/, '') };
    });
  },
};
