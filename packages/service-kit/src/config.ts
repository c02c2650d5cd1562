import { z } from 'zod';
import { reachableHost } from './reachable-host.js';

/**
 * Parses the environment once at boot: a bad variable stops start-up with a message naming it.
 * `peerPorts` names the peer URL variables and their ports (their defaults).
 */
export function loadConfig<Schema extends z.ZodType>(
  schema: Schema,
  env: Record<string, string | undefined> = process.env,
  peerPorts: Record<string, number> = {},
): Readonly<z.infer<Schema>> {
  // Empty strings count as "not set", as in docker compose files and .env files.
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  // Each peer URL variable that is unset (`USER_SERVICE_URL`: 8101) is that peer's port at the
  // address this service's HOST is reached at, as the launcher sets them: services started one by
  // one with HOST=127.0.0.2 find each other there, not on 127.0.0.1.
  const host = reachableHost(set.HOST || '0.0.0.0');
  for (const [name, port] of Object.entries(peerPorts)) set[name] ??= `http://${host}:${port}`;
  const parsed = schema.safeParse(set);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('\n');
    throw new ConfigError(`Invalid configuration:\n${problems}`);
  }
  return Object.freeze(parsed.data);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Common variables: every service reads these. */
export const baseConfigShape = {
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1_048_576),
  /** When set, internal endpoints require `Authorization: Bearer <token>`. */
  INTERNAL_API_TOKEN: z.string().min(16).optional(),
  /** Origins whose pages may read the public GET routes (cors.ts): comma-separated, or `*`. */
  CORS_ORIGINS: z
    .string()
    .transform((value) => value.split(',').map((origin) => origin.trim()))
    .check((context) => {
      for (const origin of context.value) {
        const exact = URL.canParse(origin) && new URL(origin).origin === origin && !origin.includes('*');
        if (origin === '*' || exact) continue;
        context.issues.push({
          code: 'custom',
          input: origin,
          message: `"${origin}" is not an origin: write scheme://host[:port] without a path, a trailing slash or a wildcard (https://shop.example), or *`,
        });
      }
    })
    .optional(),
};

/** The longest delay Node's timers hold (a signed 32-bit int): a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * A duration in milliseconds, `min` … `max`: every `*_MS` variable, so none is unbounded. Each
 * ends in a setTimeout or an AbortSignal.timeout, where a value over MAX_TIMER_MS would fire at
 * once (EMBEDDINGS_DOWNLOAD_TIMEOUT_MS=3000000000 aborted every hub request after 1 ms).
 */
export function durationMs(min: number, max: number) {
  if (max > MAX_TIMER_MS)
    throw new RangeError(`durationMs: ${max} is over Node's timer limit ${MAX_TIMER_MS}`);
  return z.coerce.number().int().min(min).max(max);
}

/** An on/off variable: true/1/yes/on or false/0/no/off (zod's stringbool), `fallback` when unset. */
export const flag = (fallback: boolean) => z.stringbool().default(fallback);

const SERVICE_URL_RULE =
  'must be an http:// or https:// address without a path, such as http://127.0.0.1:8111';

/**
 * Another service's address: http(s), scheme, host and port only (the clients add the paths).
 * `abort`: a value that is no URL at all (`127.0.0.1:8101`) stops there, or the refine's
 * `new URL()` would throw past safeParse and start-up would fail without naming the variable.
 */
export const serviceUrl = z.url({ error: SERVICE_URL_RULE, abort: true }).refine((value) => {
  const url = new URL(value);
  return /^https?:$/.test(url.protocol) && url.pathname === '/' && !url.search && !url.hash;
}, SERVICE_URL_RULE);

/** `postgres://…` URL, or undefined for the embedded PGlite database. */
export const databaseUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
  .optional();
