import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createScratchDatabase } from '@ecom/db';
import { freePort } from '@ecom/stack/free-port';
import { SERVICES, type ServiceKey } from '@ecom/stack/services';
import { REPO_ROOT, type Stack, startStack } from '@ecom/stack/start-stack';
import { dropScratchCollections } from '@ecom/testing/milvus-collections';
import pg from 'pg';

export type EmbedderChoice = 'hashing' | 'model';
export type StoreChoice = 'embedded' | 'milvus';

export interface BenchStackOptions {
  /** Names the scratch database, temp folder and Milvus collection prefix. */
  name: string;
  /** DATASET_PATH of user- and catalog-service (imported at start). */
  datasetPath: string;
  embedder: EmbedderChoice;
  store: StoreChoice;
  /** Extra variables for every service. */
  env?: Record<string, string>;
  /** Extra variables for recommendation-service only (ranking weights, profiling). */
  recommendationEnv?: Record<string, string>;
  /** Service output; default: dropped except warnings and errors (LOG_LEVEL=warn). */
  log?: (line: string) => void;
}

export const DEFAULT_POSTGRES = 'postgres://ecom:ecom@127.0.0.1:5432/ecom';
export const DEFAULT_MILVUS = '127.0.0.1:19534';
export const DEFAULT_MODEL_PATH = path.join(REPO_ROOT, '.data', 'models', 'all-MiniLM-L6-v2');

/**
 * The three services as real processes (the launcher `npm start` uses), on free ports, with a
 * scratch Postgres database (BENCH_DATABASE_URL, default the local CI Postgres; `pglite` for
 * the embedded one) and a temp DATA_DIR. recommendation-service runs as its own launcher
 * stack so it can be restarted with other settings while the loaded data stays.
 */
export class BenchStack {
  private constructor(
    private readonly options: BenchStackOptions,
    private readonly dataDir: string,
    private readonly sharedEnv: Record<string, string>,
    private readonly ports: Record<ServiceKey, number>,
    private readonly cleanUp: () => Promise<void>,
    private crud: Stack,
    private reco: Stack,
  ) {}

  static async start(options: BenchStackOptions): Promise<BenchStack> {
    const runId = benchRunId();
    const dataDir = await mkdtemp(path.join(os.tmpdir(), `bench-${options.name}-`));
    const baseUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_POSTGRES;
    const databaseUrl =
      baseUrl === 'pglite' ? undefined : await createScratchDatabase(baseUrl, `bench_${options.name}`);
    const ports = { user: await freePort(), catalog: await freePort(), recommendation: await freePort() };
    const sharedEnv: Record<string, string> = {
      DATABASE_URL: databaseUrl ?? '',
      DATASET_PATH: options.datasetPath,
      LOG_LEVEL: 'warn',
      // The catalog's outbox delivers every product; a re-index started before the catalog is
      // up would only fail and warn (recommendation-service starts first here).
      REINDEX_ON_EMPTY: 'false',
      ...embedderEnv(options.embedder),
      ...storeEnv(options.store, options.name, runId),
      USER_SERVICE_URL: `http://127.0.0.1:${ports.user}`,
      CATALOG_SERVICE_URL: `http://127.0.0.1:${ports.catalog}`,
      RECOMMENDATION_SERVICE_URL: `http://127.0.0.1:${ports.recommendation}`,
      ...options.env,
    };
    const cleanUp = () => removeBenchData({ dataDir, databaseUrl, store: options.store, runId });
    // Started before the catalog so its outbox finds a listener (as the launcher's order does).
    let reco: Stack;
    try {
      reco = await startRecommendation(options, dataDir, sharedEnv, ports.recommendation, {});
    } catch (error) {
      await cleanUp();
      throw error;
    }
    let crud: Stack;
    try {
      crud = await startStack({
        services: SERVICES.filter((spec) => spec.key !== 'recommendation'),
        ports: { user: ports.user, catalog: ports.catalog },
        env: sharedEnv,
        dataDir,
        log: options.log ?? quiet,
        timeoutMs: 600_000,
      });
    } catch (error) {
      await reco.stop();
      await cleanUp();
      throw error;
    }
    return new BenchStack(options, dataDir, sharedEnv, ports, cleanUp, crud, reco);
  }

  get urls(): Record<ServiceKey, string> {
    return {
      user: `http://127.0.0.1:${this.ports.user}`,
      catalog: `http://127.0.0.1:${this.ports.catalog}`,
      recommendation: `http://127.0.0.1:${this.ports.recommendation}`,
    };
  }

  get pids(): Partial<Record<ServiceKey, number>> {
    return { ...this.crud.pids, ...this.reco.pids };
  }

  /** Restarts recommendation-service alone with extra variables; data, vectors and the other services stay. */
  async restartRecommendation(env: Record<string, string>): Promise<void> {
    await this.reco.stop();
    this.reco = await startRecommendation(
      this.options,
      this.dataDir,
      this.sharedEnv,
      this.ports.recommendation,
      env,
    );
  }

  async stop(): Promise<void> {
    await this.crud.stop();
    await this.reco.stop();
    await this.cleanUp();
  }
}

function startRecommendation(
  options: BenchStackOptions,
  dataDir: string,
  sharedEnv: Record<string, string>,
  port: number,
  extra: Record<string, string>,
): Promise<Stack> {
  return startStack({
    services: SERVICES.filter((spec) => spec.key === 'recommendation'),
    ports: { recommendation: port },
    env: { ...sharedEnv, ...options.recommendationEnv, ...extra },
    dataDir,
    log: options.log ?? quiet,
    timeoutMs: 600_000,
  });
}

function embedderEnv(choice: EmbedderChoice): Record<string, string> {
  if (choice === 'hashing') return { EMBEDDINGS_MODEL: 'hashing' };
  const modelPath = process.env.EMBEDDINGS_MODEL_PATH || DEFAULT_MODEL_PATH;
  if (!existsSync(path.join(modelPath, 'onnx', 'model.onnx'))) {
    throw new Error(
      `no model at ${modelPath}: run \`bash recommendation-service/scripts/fetch-model.sh\` or set EMBEDDINGS_MODEL_PATH`,
    );
  }
  // A named model must load (no silent fallback to hashing, which `auto` would do).
  return { EMBEDDINGS_MODEL: path.basename(modelPath), EMBEDDINGS_MODEL_PATH: modelPath };
}

function storeEnv(choice: StoreChoice, name: string, runId: string): Record<string, string> {
  if (choice === 'embedded') return { MILVUS_ADDRESS: '' };
  return {
    MILVUS_ADDRESS: milvusAddress(),
    // A collection per run (Milvus outlives the scratch database), dropped by its run id at the end.
    MILVUS_COLLECTION_PREFIX: `bench_${name.replace(/[^a-z0-9_]/gi, '_').slice(0, 40)}_${runId}`,
  };
}

function milvusAddress(): string {
  return process.env.BENCH_MILVUS_ADDRESS ?? DEFAULT_MILVUS;
}

/** A bench run's id: lower-case letters and digits, as collection names and scratch tags take them. */
export function benchRunId(): string {
  return Math.random().toString(36).slice(2, 8);
}

/** What a bench run leaves outside its process: its data folder, scratch database and Milvus collections. */
export async function removeBenchData(run: {
  dataDir: string;
  databaseUrl?: string;
  store: StoreChoice;
  runId: string;
}): Promise<void> {
  await rm(run.dataDir, { recursive: true, force: true });
  if (run.databaseUrl) await dropDatabase(run.databaseUrl);
  if (run.store === 'milvus') await dropScratchCollections(milvusAddress(), run.runId);
}

function quiet(line: string): void {
  if (/\b(WARN|ERROR|FATAL)\b/.test(line)) process.stderr.write(`${line}\n`);
}

async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = new URL(process.env.BENCH_DATABASE_URL ?? DEFAULT_POSTGRES).pathname;
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
