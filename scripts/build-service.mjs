// `pnpm build` of a service (run in the service folder): bundles src/server.ts into
// dist/server.js so container images run `node dist/server.js` without tsx.
// - Our own code (the service and the @ecom/* workspace packages, which ship TypeScript
//   sources) is bundled.
// - npm dependencies stay external: several load files relative to themselves (PGlite's
//   wasm, Prisma's runtime, onnxruntime's native add-on).
// - An external import must load the same copy of the package from dist/ as it did from the
//   file that imported it. With pnpm, a dependency of @ecom/db (say @electric-sql/pglite) is
//   not visible from the service folder, or another version is. Such imports are rewritten
//   to a relative path of the file the importer would have loaded, so build where the code
//   will run (the Dockerfiles build inside the `pnpm deploy` output).
// - `import.meta.url` is rewritten to the URL the source file would have, so code that finds
//   files relative to itself (config defaults, migrations) sees the same layout as under tsx,
//   as long as dist/ sits next to src/ in the service folder.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { externalNpmPackages } from './external-npm-packages.mjs';

const serviceDir = process.cwd();
const outfile = path.join(serviceDir, 'dist', 'server.js');
const bundleDir = path.dirname(outfile);

/** The folder Node would load package `name` from, searching node_modules upwards from `dir`. */
function packageDirFrom(name, dir) {
  for (let current = dir; ; current = path.dirname(current)) {
    const candidate = path.join(current, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return realpathSync(candidate);
    if (path.dirname(current) === current) return undefined;
  }
}

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function relativeImport(file) {
  const relative = path.relative(bundleDir, file).split(path.sep).join('/');
  return relative.startsWith('.') ? relative : `./${relative}`;
}

/** An import Node would resolve to the same copy from dist/ stays bare. */
function resolvesAlikeFromBundle(args) {
  const name = packageName(args.path);
  const wanted = packageDirFrom(name, args.resolveDir);
  return wanted !== undefined && wanted === packageDirFrom(name, bundleDir);
}

const sourceRelativeImportMeta = {
  name: 'source-relative-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const replacement = `new URL(${JSON.stringify(relativeImport(args.path))}, import.meta.url).href`;
      return { contents: source.replaceAll('import.meta.url', replacement), loader: 'ts' };
    });
  },
};

await build({
  entryPoints: [path.join(serviceDir, 'src', 'server.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Node's own conditions for `import` (esbuild would otherwise add `module`).
  conditions: [],
  sourcemap: true,
  // Keeps class and function names in logs and stack traces readable.
  keepNames: true,
  logLevel: 'warning',
  plugins: [
    externalNpmPackages({ importPath: relativeImport, keepBare: resolvesAlikeFromBundle }),
    sourceRelativeImportMeta,
  ],
});

const kib = Math.round(statSync(outfile).size / 1024);
console.log(`built ${path.relative(serviceDir, outfile)} (${kib} KiB)`);
