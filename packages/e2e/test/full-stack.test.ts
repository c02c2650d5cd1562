import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES } from '../../../scripts/stack/services.js';
import { REPO_ROOT, type Stack, startStack } from '../../../scripts/stack/start-stack.js';

// The three services as real processes on ephemeral ports, started the way `npm start` starts
// them, each with a fresh embedded database: the dataset is imported and vectorised by the
// services themselves. The hashing embedder keeps it fast and offline (no model download).
const missing = SERVICES.filter((spec) => !existsSync(path.join(REPO_ROOT, spec.dir, spec.entry)));
const BUDGET_MS = 120_000;

describe.skipIf(missing.length > 0)(
  `full stack${missing.length > 0 ? ` (skipped: no ${missing.map((spec) => spec.name).join(', ')} in this checkout)` : ''}`,
  () => {
    let dataDir: string;
    let stack: Stack;
    let startedAt: number;
    const lines: string[] = [];

    beforeAll(async () => {
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'full-stack-'));
      startedAt = Date.now();
      stack = await startStack({
        ports: { user: 0, catalog: 0, recommendation: 0 },
        // Embedded stores whatever the environment says: this test must not seed a shared Postgres.
        env: {
          DATABASE_URL: '',
          MILVUS_ADDRESS: '',
          EMBEDDINGS_MODEL: 'hashing',
          INTERNAL_API_TOKEN: 'e2e-internal-token-0123456789',
          LOG_LEVEL: 'warn',
        },
        dataDir,
        log: (line) => lines.push(line),
        timeoutMs: BUDGET_MS,
      });
    }, BUDGET_MS + 30_000);

    afterAll(async () => {
      await stack?.stop();
      await rm(dataDir, { recursive: true, force: true });
    });

    it(
      'recommends 10 products to customer 3 within two minutes of the start',
      async () => {
        let answer: unknown;
        while (Date.now() - startedAt < BUDGET_MS) {
          const response = await fetch(`${stack.urls.recommendation}/recommendation/3`);
          answer = await response.json();
          if (response.status === 200 && Array.isArray(answer) && answer.length === 10) break;
          await sleep(1_000);
        }
        expect(answer, `service output:\n${lines.slice(-40).join('\n')}`).toHaveLength(10);
        for (const item of answer as Record<string, unknown>[]) {
          expect(item).toMatchObject({
            product_id: expect.any(Number),
            product: expect.any(String),
            category_id: expect.any(Number),
            category: expect.any(String),
          });
        }
      },
      BUDGET_MS,
    );

    it('serves Swagger UI on every service', async () => {
      for (const url of Object.values(stack.urls)) {
        expect((await fetch(`${url}/docs/json`)).status).toBe(200);
      }
    });
  },
);
