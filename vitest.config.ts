import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// One test run for the whole workspace. Tests use a real Postgres when DATABASE_URL is set
// and a real Milvus-protocol server when MILVUS_ADDRESS is set; otherwise the embedded
// defaults (PGlite, the on-disk vector index). Tests that need a server say why they skip.
const projects = [
  'packages/bench',
  'packages/dataset',
  'packages/db',
  'packages/service-kit',
  'packages/testing',
  'packages/e2e',
  'packages/reliability',
  'user-service',
  'catalog-service',
  'recommendation-service',
];

export default defineConfig({
  test: {
    // The default output, then the skipped tests by name: each name says why it skips.
    reporters: ['default', './packages/testing/src/skip-reasons-reporter.ts'],
    // Removes what the run leaves on disk (temporary folders, scratch databases) when it ends.
    globalSetup: [fileURLToPath(new URL('./packages/testing/src/global-setup.ts', import.meta.url))],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: projects.map((root) => ({
      extends: true,
      test: { name: root.replace('packages/', ''), root, include: ['test/**/*.test.ts'] },
    })),
  },
});
