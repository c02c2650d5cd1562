import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SERVICES } from '@ecom/stack/services';
import { REPO_ROOT, type Stack, startStack } from '@ecom/stack/start-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Issue 12, "start-up and logs a person can follow": the three real services started as
// `npm start` starts them (one process, embedded databases, info logs), read as a person
// reads the terminal.
const missing = SERVICES.filter((spec) => !existsSync(path.join(REPO_ROOT, spec.dir, spec.entry)));
const BUDGET_MS = 120_000;
const TIME = /\d\d:\d\d:\d\d\.\d{3}/;

describe.skipIf(missing.length > 0)(
  `npm start's output${missing.length > 0 ? ` (skipped: no ${missing.map((spec) => spec.name).join(', ')} in this checkout)` : ''}`,
  () => {
    let dataDir: string;
    let stack: Stack;
    const lines: string[] = [];

    beforeAll(async () => {
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'start-logs-'));
      stack = await startStack({
        inProcess: true,
        ports: { user: 0, catalog: 0, recommendation: 0 },
        env: {
          DATABASE_URL: '',
          MILVUS_ADDRESS: '',
          EMBEDDINGS_MODEL: 'hashing',
          INTERNAL_API_TOKEN: '',
          LOG_LEVEL: 'info',
        },
        dataDir,
        log: (line) => lines.push(line),
        timeoutMs: BUDGET_MS,
      });
      // Vectorised: every product the catalog has is in the vector index.
      const deadline = Date.now() + BUDGET_MS;
      for (;;) {
        const info = (await (await fetch(`${stack.urls.recommendation}/recommendation/info`)).json()) as {
          vector_count: number;
          reindex: { state: string };
        };
        // The start-up re-index decides once catalog-service answers (it retries every 5 s).
        const decided = !['idle', 'running', 'waiting', 'failed'].includes(info.reindex.state);
        if ((info.vector_count >= 151 && decided) || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }, BUDGET_MS + 60_000);

    afterAll(async () => {
      await stack?.stop();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('prints no warning or error on a normal first start', async () => {
      const loud = lines.filter((line) => / (WARN|ERROR|FATAL) /.test(line));
      expect(loud, lines.join('\n')).toEqual([]);
      // The expected wait for catalog-service is said, as info.
      expect(lines.some((line) => line.includes('INFO') && line.includes('not up yet'))).toBe(true);
    });

    it('vectorises the catalog once: through the outbox, without a second re-index', async () => {
      const info = (await (await fetch(`${stack.urls.recommendation}/recommendation/info`)).json()) as {
        reindex: { state: string };
      };
      expect(info.reindex.state).toBe('not_needed');
      expect(lines.some((line) => line.includes("no re-index needed: catalog-service's outbox"))).toBe(true);
      expect(lines.some((line) => line.includes('re-indexing the catalog'))).toBe(false);
    });

    it("shows a client's request even when its id looks like the launcher's own", async () => {
      const id = 'stack-launcher';
      const response = await fetch(`${stack.urls.user}/customer/3`, { headers: { 'x-request-id': id } });
      expect(response.status).toBe(200);
      // One line per request: method, path, status and time together.
      expect(lines.filter((line) => line.includes(`[${id}]`))).toEqual([
        expect.stringMatching(/request completed GET \/customer\/3 -> 200 \d+ms$/),
      ]);
    });

    it('shows time, service, level and the request id, so one request can be followed through all three', async () => {
      const id = `trace-${process.pid}`;
      // `strategy=original` reads the history from catalog-service (which asks user-service):
      // a default first recommendation ranks from recommendation-service's own copies instead.
      const response = await fetch(`${stack.urls.recommendation}/recommendation/3?strategy=original`, {
        headers: { 'x-request-id': id },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toBe(id);
      const traced = lines.filter((line) => line.includes(`[${id}]`));
      // Nothing else at info every few seconds (the purchase feed's polling is logged at warn).
      const polling = lines.filter((line) => line.includes('GET /Purchases/?after_id'));
      expect(polling).toEqual([]);
      for (const service of ['recommendation-service', 'catalog-service', 'user-service']) {
        const own = traced.filter((line) => line.startsWith(service));
        expect(own.length, `${service} lines for ${id}:\n${traced.join('\n')}`).toBeGreaterThanOrEqual(1);
        for (const line of own) {
          expect(line).toMatch(new RegExp(`^${service}\\s+\\| ${TIME.source} INFO  \\[${id}\\] `));
          // The prefix names the service; the JSON line's own `service` field is not repeated.
          expect(line).not.toMatch(/ service=/);
        }
      }
    });
  },
);
