import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { closedPort, eventually } from '@ecom/testing';
import pg from 'pg';

const run = promisify(execFile);
const POSTGRES_ROOT = '/usr/lib/postgresql';

/** The newest installed Postgres `bin` folder with initdb and pg_ctl, or null. */
export function postgresBinDir(): string | null {
  if (!existsSync(POSTGRES_ROOT)) return null;
  const versions = readdirSync(POSTGRES_ROOT)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = path.join(POSTGRES_ROOT, version, 'bin');
    if (existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'pg_ctl'))) return bin;
  }
  return null;
}

/**
 * A Postgres cluster of our own in a temp folder, on a free port, that a test may stop and
 * start at will (the shared one on 5432 serves everybody else). initdb refuses to run as
 * root, so as root the cluster belongs to the `postgres` user and its tools run through
 * runuser.
 */
export class PrivatePostgres {
  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
    private readonly runAs: string | null,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/ecom`;
  }

  private get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  static async start(): Promise<PrivatePostgres> {
    const bin = postgresBinDir();
    if (!bin) throw new Error(`no Postgres binaries under ${POSTGRES_ROOT}`);
    const dir = await mkdtemp(path.join(tmpdir(), 'private-postgres-'));
    const runAs = process.getuid?.() === 0 ? 'postgres' : null;
    await mkdir(path.join(dir, 'socket'));
    if (runAs) {
      const { stdout } = await run('id', ['-u', runAs]);
      const { stdout: group } = await run('id', ['-g', runAs]);
      for (const folder of [dir, path.join(dir, 'socket')])
        await chown(folder, Number(stdout), Number(group));
    }
    const server = new PrivatePostgres(bin, dir, await closedPort(), runAs);
    await server.tool('initdb', [
      '-D',
      server.dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    await server.startServer();
    const admin = new pg.Client({
      connectionString: `postgres://postgres@127.0.0.1:${server.port}/postgres`,
    });
    await admin.connect();
    try {
      await admin.query('CREATE DATABASE ecom');
    } finally {
      await admin.end();
    }
    return server;
  }

  /** `fast` ends sessions cleanly (admin_shutdown); `immediate` is a crash (recovery on start). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.tool('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', 'stop']);
  }

  async startServer(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      `-k ${path.join(this.dir, 'socket')}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c max_connections=100',
    ].join(' ');
    await this.tool('pg_ctl', [
      '-D',
      this.dataDir,
      '-o',
      options,
      '-l',
      path.join(this.dir, 'server.log'),
      '-w',
      'start',
    ]);
  }

  /**
   * Stops (SIGSTOP) or resumes (SIGCONT) the postmaster and every backend: a server that
   * accepts connections and never answers, as a hung host or a network partition looks.
   */
  async freeze(frozen: boolean): Promise<void> {
    const postmaster = Number(
      (await readFile(path.join(this.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0],
    );
    if (!frozen) {
      for (const pid of [...(await childrenOf(postmaster)), postmaster]) process.kill(pid, 'SIGCONT');
      return;
    }
    // The postmaster first: while it runs it can fork a backend for a new connection between
    // listing its children and stopping them, and that backend would go on answering.
    process.kill(postmaster, 'SIGSTOP');
    await eventually(
      async () => (await statFields(postmaster))[0] === 'T',
      1_000,
      `postmaster ${postmaster} stopped`,
    );
    for (const pid of await childrenOf(postmaster)) process.kill(pid, 'SIGSTOP');
  }

  async destroy(): Promise<void> {
    await this.freeze(false).catch(() => {});
    await this.stop('immediate').catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }

  private async tool(name: string, args: string[]): Promise<void> {
    const file = path.join(this.bin, name);
    const [command, commandArgs] = this.runAs
      ? ['runuser', ['-u', this.runAs, '--', file, ...args]]
      : [file, args];
    await run(command, commandArgs, { cwd: this.dir, timeout: 60_000 });
  }
}

/** Direct children of a process, from /proc (no procps needed). */
async function childrenOf(parent: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number((await statFields(Number(entry)))[1]);
    if (ppid === parent) children.push(Number(entry));
  }
  return children;
}

/** The fields of /proc/<pid>/stat after "pid (comm)": state, ppid, ... (empty when gone). */
async function statFields(pid: number): Promise<string[]> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // comm may contain spaces and parentheses, so split after the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
