import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * The heavy optional dependencies are imported only when used (docs/benchmarks.md, "Serving
 * cost"): importing transformers.js loads onnxruntime (+42 MiB resident) and the Milvus SDK
 * its gRPC stack (+47 MiB). `npm start` on the embedded store with the hashing embedder, or
 * offline, needs neither. esbuild reads the service's import graph; a static `import` of
 * either anywhere the app reaches fails this test.
 */
describe('the app loads heavy optional packages only when used', () => {
  it('reaches transformers.js and the Milvus SDK only through dynamic import()', async () => {
    const serviceDir = path.join(import.meta.dirname, '..');
    const { metafile } = await build({
      // Paths in the metafile are relative to this folder.
      absWorkingDir: serviceDir,
      entryPoints: ['src/app.ts'],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      // npm packages stay outside; the workspace's own @ecom/* packages are followed.
      plugins: [
        {
          name: 'npm-packages-external',
          setup(b) {
            b.onResolve({ filter: /^[^./]/ }, (args) =>
              args.path.startsWith('@ecom/') ? undefined : { path: args.path, external: true },
            );
          },
        },
      ],
      logLevel: 'silent',
    });
    const statically = staticallyImported(metafile, 'src/app.ts');
    const dynamically = new Set(
      Object.values(metafile.inputs).flatMap((input) =>
        input.imports.filter((edge) => edge.kind === 'dynamic-import').map((edge) => edge.path),
      ),
    );
    for (const heavy of ['@huggingface/transformers', '@zilliz/milvus2-sdk-node']) {
      expect(statically, heavy).not.toContain(heavy);
    }
    // Still used, lazily: the check above is not passing because the graph is empty.
    expect(dynamically).toContain('@huggingface/transformers');
    expect(dynamically).toContain('src/vector-store/milvus/milvus-store.ts');
    expect(statically).toContain('@electric-sql/pglite');
  });
});

/** Every path reachable from `entry` through static `import` statements (packages included). */
function staticallyImported(metafile: Metafile, entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const edge of metafile.inputs[file]?.imports ?? []) {
      if (edge.kind === 'import-statement') queue.push(edge.path);
    }
  }
  return seen;
}
