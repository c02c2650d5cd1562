import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { closedPort } from '@ecom/testing';
import { REPO_ROOT } from './stack.js';

const run = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, '.ci', 'start-milvus-lite.sh');

/** The venv .ci/start-milvus-lite.sh installs Milvus Lite into (and reuses). */
export function milvusVenv(): string {
  return process.env.MILVUS_VENV ?? path.join(homedir(), '.cache', 'milvus-lite-venv');
}

function milvusLiteInstalled(): boolean {
  return existsSync(path.join(milvusVenv(), 'bin', 'milvus-lite'));
}

/**
 * Why a test that stops or wipes Milvus cannot run here (null: it can). It needs a server of its
 * own (the one on MILVUS_ADDRESS is shared), so MILVUS_ADDRESS set (this environment has Milvus;
 * the embedded index cannot go away) and the Milvus Lite venv that .ci/start-milvus-lite.sh installs.
 */
export function privateMilvusSkipReason(): string | null {
  if (!process.env.MILVUS_ADDRESS) return 'MILVUS_ADDRESS is not set: no Milvus Lite in this environment';
  if (!milvusLiteInstalled()) return 'Milvus Lite is not installed (run .ci/start-milvus-lite.sh once)';
  return null;
}

/**
 * A Milvus Lite server of our own (the one on MILVUS_ADDRESS is shared), started and stopped
 * through .ci/start-milvus-lite.sh with its own port, data and pid folders. Stopping and
 * starting again keeps the data folder, as a restarted Milvus would.
 */
export class PrivateMilvus {
  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PrivateMilvus> {
    const server = new PrivateMilvus(
      await mkdtemp(path.join(tmpdir(), 'private-milvus-')),
      await closedPort(),
    );
    await server.startServer();
    return server;
  }

  async startServer(): Promise<void> {
    await this.script('start');
  }

  async stop(): Promise<void> {
    await this.script('stop');
  }

  /** Stops it and starts it again on an empty data folder: a Milvus that lost its data. */
  async restartEmpty(): Promise<void> {
    await this.stop();
    await rm(path.join(this.dir, 'data'), { recursive: true, force: true });
    await this.startServer();
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }

  private async script(command: 'start' | 'stop'): Promise<void> {
    await run('bash', [SCRIPT, command], {
      timeout: 180_000,
      env: {
        ...process.env,
        MILVUS_VENV: milvusVenv(),
        MILVUS_PORT: String(this.port),
        MILVUS_DATA_DIR: path.join(this.dir, 'data'),
        MILVUS_RUN_DIR: this.dir,
      },
    });
  }
}
