// The esbuild plugin both builds share (build-stack.mjs for `npm start`, build-service.mjs for
// the container images): our own code is bundled, npm packages stay external, and each
// external import names the very file the importing source would have loaded (pnpm gives
// every package its own dependency versions, so a bare name may resolve to another copy).
// The builds differ only in how they write that file down.
import { isBuiltin } from 'node:module';

const RESOLVE_NORMALLY = Symbol('resolve normally');

/**
 * @param {object} options
 * @param {(resolvedPath: string) => string} options.importPath the import to emit for the file
 * @param {(args: import('esbuild').OnResolveArgs) => boolean} [options.keepBare] true: emit the
 *   specifier unchanged (it already resolves to the same file from the bundle's folder)
 * @returns {import('esbuild').Plugin}
 */
export function externalNpmPackages({ importPath, keepBare = () => false }) {
  return {
    name: 'external-npm-packages',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === RESOLVE_NORMALLY || args.path.startsWith('@ecom/')) return undefined;
        if (isBuiltin(args.path) || keepBare(args)) return { path: args.path, external: true };
        const resolved = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: RESOLVE_NORMALLY,
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        return { path: importPath(resolved.path), external: true };
      });
    },
  };
}
