/** `--name value`, `--flag`, and repeatable `--env KEY=VALUE`: enough for these scripts. */
export interface Args {
  values: Map<string, string>;
  flags: Set<string>;
  env: Record<string, string>;
}

export function parseArgs(argv: string[], flagNames: readonly string[]): Args {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const env: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${arg}`);
    const name = arg.slice(2);
    if (flagNames.includes(name)) {
      flags.add(name);
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (name === 'env') {
      const [key, ...rest] = value.split('=');
      if (!key || rest.length === 0) throw new UsageError(`--env wants KEY=VALUE, got ${value}`);
      env[key] = rest.join('=');
    } else {
      values.set(name, value);
    }
  }
  return { values, flags, env };
}

export class UsageError extends Error {}

/** `--name "k=v,k=v;k=v"`: one set of settings per `;`. */
export function settingsArg(args: Args, name: string): Record<string, string>[] {
  return (args.values.get(name) ?? '')
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) =>
      Object.fromEntries(
        part.split(',').map((pair) => {
          const [key, value] = pair.split('=').map((s) => s.trim());
          if (!key || value === undefined) throw new UsageError(`--${name}: bad setting "${pair}"`);
          return [key, value];
        }),
      ),
    );
}

export function intArg(args: Args, name: string, fallback: number): number {
  const raw = args.values.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`--${name} must be a non-negative integer`);
  return value;
}

export function choiceArg<T extends string>(args: Args, name: string, choices: readonly T[], fallback: T): T {
  const raw = args.values.get(name) ?? fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}`);
  }
  return raw as T;
}

/** Runs `main`, printing `usage` for bad arguments; exits non-zero on failure. */
export function runMain(usage: string, main: (argv: string[]) => Promise<void>): void {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage);
    return;
  }
  main(argv).then(
    () => process.exit(0),
    (error: unknown) => {
      if (error instanceof UsageError) {
        console.error(`error: ${error.message}\n\n${usage}`);
        process.exit(2);
      }
      console.error(error);
      process.exit(1);
    },
  );
}
