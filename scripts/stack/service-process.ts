import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { styleText } from 'node:util';
import { formatLogLine } from './format-log.js';

type Color = Parameters<typeof styleText>[0];

export interface ServiceProcessOptions {
  name: string;
  cwd: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Receives every output line, prefixed with the service name. */
  log: (line: string) => void;
  /** Names are padded to this width so the output lines up. */
  prefixWidth: number;
  /** ANSI colour of the prefix (terminals only). */
  color?: Color;
  /** Lines to drop, e.g. the launcher's own polling requests. */
  hide?: (line: string) => boolean;
}

export interface ExitInfo {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

const TAIL_LINES = 30;

/**
 * One service as a child process: its output goes line by line, prefixed, to `log`; the last
 * lines are kept for error messages; it never outlives the launcher (killed on exit).
 */
export class ServiceProcess {
  readonly name: string;
  /** Settles when the process has exited, for whatever reason. */
  readonly exited: Promise<ExitInfo>;
  private readonly child: ChildProcess;
  private readonly tail: string[] = [];
  private done = false;

  constructor(options: ServiceProcessOptions) {
    this.name = options.name;
    const label = `${options.name.padEnd(options.prefixWidth)} |`;
    const prefix = options.color ? styleText(options.color, label) : label;
    this.child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onLine = (line: string) => {
      const formatted = formatLogLine(line);
      this.tail.push(formatted);
      if (this.tail.length > TAIL_LINES) this.tail.shift();
      if (options.hide?.(line)) return;
      options.log(`${prefix} ${formatted}`);
    };
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (stream) createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', onLine);
    }
    // A launcher that exits (second Ctrl-C, crash) must not leave services running.
    const killOnExit = () => this.child.kill('SIGKILL');
    process.on('exit', killOnExit);
    this.exited = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.done) return;
        this.done = true;
        process.off('exit', killOnExit);
        resolve({ name: this.name, code, signal });
      };
      this.child.once('error', (error) => {
        onLine(`failed to start: ${error.message}`);
        finish(null, null);
      });
      // 'close' (not 'exit') so the last output lines have been read.
      this.child.once('close', finish);
    });
  }

  get running(): boolean {
    return !this.done;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last lines of output, for error messages. */
  recentOutput(): string {
    return this.tail.join('\n');
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGTERM (the services drain and close), then SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<ExitInfo> {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
