import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseEnv, promisify } from 'node:util';
import { SERVICES } from '@ecom/stack/services';
import { REPO_ROOT } from '@ecom/stack/start-stack';
import { describe, expect, it } from 'vitest';
// `yaml` (eemeli/yaml): complete YAML 1.2 + 1.1 merge keys, no dependencies, typed, actively
// maintained, already in the lockfile through vite. Compose files use `<<:` merge keys.
import { parse } from 'yaml';

// docker-compose.yml checked against the contract (ports, start order by health) and
// against what the services really read (their config schemas), so the compose file, the
// local stack (scripts/stack), .env.example and docs/running.md cannot drift apart.

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string> };
  environment?: Record<string, string | number> | string[];
  ports?: (string | { published: number | string; target: number | string; host_ip?: string })[];
  healthcheck?: { test?: string[] | string; interval?: string; retries?: number; start_period?: string };
  depends_on?: Record<string, { condition?: string }> | string[];
  volumes?: string[];
}

const CONTAINER_PORT = 8000;
const INFRA_PORTS: Record<string, number> = { postgres: 5432, milvus: 19530 };
const COMPOSE_FILE = path.join(REPO_ROOT, 'docker-compose.yml');
const compose = parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;
const envExample = parseEnv(readFileSync(path.join(REPO_ROOT, '.env.example'), 'utf8'));
const runningDoc = readFileSync(path.join(REPO_ROOT, 'docs', 'running.md'), 'utf8');

/**
 * The defaults in docs/running.md's tuning table (`| variable | read by | default | range |`), by
 * name; a row naming several variables lists their defaults in the same order (`500, 30000`).
 */
function documentedDefaults(): Map<string, string> {
  const defaults = new Map<string, string>();
  const table = runningDoc
    .split('| variable ')
    .find((part) => /^\s*\| read by\s*\| default\s*\| range/.test(part));
  if (!table) throw new Error('docs/running.md has no table `| variable | read by | default | range |`');
  for (const row of table.split('\n').filter((line) => line.startsWith('| `'))) {
    const [names, , values] = row.split(' | ');
    const keys = [...names!.matchAll(/`([A-Z0-9_]+)`/g)].map((match) => match[1]!);
    const documented = keys.length === 1 ? [values!.trim()] : values!.trim().split(', ');
    if (documented.length !== keys.length)
      throw new Error(`docs/running.md: one default per variable in ${row}`);
    for (const [i, key] of keys.entries()) defaults.set(key, documented[i]!);
  }
  return defaults;
}

function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => [entry.split('=')[0]!, entry.split('=').slice(1).join('=')]),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value)]));
}

/** A compose duration (`90s`, `10m`, `1m30s`) in seconds; compose's defaults when unset (30 s, 0). */
function seconds(duration: string | undefined, fallback = 30): number {
  if (duration === undefined) return fallback;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  return [...duration.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)].reduce(
    (total, [, value, unit]) => total + Number(value) * units[unit!]!,
    0,
  );
}

function portMappings(service: ComposeService): { host: number; container: number }[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'string') {
      const [host, container] = port.split(':').slice(-2);
      return { host: Number(host), container: Number(container) };
    }
    return { host: Number(port.published), container: Number(port.target) };
  });
}

/** The host address a port is published on: `127.0.0.1:5432:5432`, or v2's long form with host_ip. */
function hostAddresses(service: ComposeService): (string | undefined)[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port !== 'string') return port.host_ip;
    const parts = port.split(':');
    return parts.length === 3 ? parts[0] : undefined;
  });
}

/** The variable names a service's zod config schema reads (`export const configSchema`). */
async function configKeys(dir: string): Promise<string[]> {
  return Object.keys(await configShape(dir));
}

/** A zod schema, as far as this file uses one (no zod dependency here). */
interface ZodType {
  parse(value: unknown): unknown;
}

async function configShape(dir: string): Promise<Record<string, ZodType>> {
  const module = (await import(pathToFileURL(path.join(REPO_ROOT, dir, 'src', 'config.ts')).href)) as {
    configSchema?: { shape?: Record<string, ZodType> };
  };
  const shape = module.configSchema?.shape;
  if (!shape) throw new Error(`${dir}/src/config.ts must export its zod object schema as \`configSchema\``);
  return shape;
}

describe('docker-compose.yml (static checks)', () => {
  it('has the infrastructure and the three services', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgres', 'etcd', 'minio', 'milvus', ...SERVICES.map((spec) => spec.name)]),
    );
  });

  it('pins every image to a version', () => {
    for (const [name, service] of Object.entries(services)) {
      if (!service.image) continue;
      const tag = service.image.split(':')[1];
      expect(tag, `${name}: ${service.image}`).toMatch(/\d/);
    }
  });

  it('gives every service a healthcheck', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.test, `${name} has no healthcheck`).toBeDefined();
    }
  });

  it('gives the services a start window a slow 100,000-row import fits in, and catches a dead service within 2 minutes after it', () => {
    // Measured: ~7 s for 100,000 rows (catalog-service/README.md, bench:import); a machine 50 times
    // slower must not have its stack fail while the import runs (/readyz 503 meanwhile).
    const slowImportSeconds = 7 * 50;
    for (const spec of SERVICES) {
      const check = services[spec.name]!.healthcheck!;
      expect(seconds(check.start_period, 0), `${spec.name} start_period`).toBeGreaterThanOrEqual(
        slowImportSeconds,
      );
      expect(
        seconds(check.interval) * (check.retries ?? 3),
        `${spec.name} interval x retries`,
      ).toBeLessThanOrEqual(120);
    }
  });

  it('starts everything in order of health: depends_on conditions are service_healthy, without cycles', () => {
    const order: string[] = [];
    const visit = (name: string, path: string[]) => {
      expect(path, `depends_on cycle: ${[...path, name].join(' -> ')}`).not.toContain(name);
      if (order.includes(name)) return;
      const dependsOn = services[name]?.depends_on ?? {};
      expect(Array.isArray(dependsOn), `${name}: depends_on needs conditions`).toBe(false);
      for (const [dependency, { condition }] of Object.entries(dependsOn)) {
        expect(services[dependency], `${name} depends on unknown ${dependency}`).toBeDefined();
        expect(condition, `${name} -> ${dependency}`).toBe('service_healthy');
        visit(dependency, [...path, name]);
      }
      order.push(name);
    };
    for (const name of Object.keys(services)) visit(name, []);
    expect(order.indexOf('user-service')).toBeLessThan(order.indexOf('catalog-service'));
  });

  it('publishes the contract ports: 8000 inside, 8101/8111/8121 on the host, Postgres 5432, Milvus 19530', () => {
    for (const spec of SERVICES) {
      const service = services[spec.name]!;
      expect(portMappings(service)).toEqual([{ host: spec.defaultPort, container: CONTAINER_PORT }]);
      expect(environmentOf(service).PORT).toBe(String(CONTAINER_PORT));
      expect(JSON.stringify(service.healthcheck?.test)).toContain(`127.0.0.1:${CONTAINER_PORT}/readyz`);
    }
    for (const [name, port] of Object.entries(INFRA_PORTS)) {
      expect(portMappings(services[name]!)).toContainEqual({ host: port, container: port });
    }
  });

  it('publishes Postgres and Milvus on the host loopback only: the network reaches the data through the services', () => {
    for (const name of Object.keys(INFRA_PORTS)) {
      expect(hostAddresses(services[name]!), name).toEqual(['127.0.0.1']);
    }
  });

  it('builds every service from the one Dockerfile (SERVICE chooses): pinned Node LTS slim, non-root, running the bundle', () => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    // Node 26 is the LTS line since 2026-10-28 (Node 20 reached its end of life in April 2026).
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:26\.\d+\.\d+-bookworm-slim$/m);
    expect(dockerfile).toMatch(/^ARG SERVICE=/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('--filter "@ecom/$SERVICE" ');
    expect(dockerfile).toContain('deploy --prod');
    expect(dockerfile).toContain('CMD ["node", "--enable-source-maps", "dist/server.js"]');
    for (const spec of SERVICES) {
      const build = services[spec.name]!.build!;
      expect(build.context).toBe('.');
      expect(build.dockerfile ?? 'Dockerfile').toBe('Dockerfile');
      expect(build.args?.SERVICE).toBe(spec.name);
      expect(existsSync(path.join(REPO_ROOT, spec.dir, 'Dockerfile')), `${spec.dir}/Dockerfile is gone`).toBe(
        false,
      );
    }
  });

  it('runs recommendation-service on the model baked into its image, also after `cp .env.example .env`', () => {
    const reco = services['recommendation-service']!;
    const model = reco.build!.args!.EMBEDDINGS_MODEL_ID!;
    const env = environmentOf(reco);
    // `${EMBEDDINGS_MODEL:-<model>}`: an empty value in .env keeps the baked model.
    expect(env.EMBEDDINGS_MODEL).toBe(`\${EMBEDDINGS_MODEL:-${model}}`);
    expect(envExample.EMBEDDINGS_MODEL).toBe('');
    expect(env.EMBEDDINGS_MODEL_PATH).toBe(`/models/${model}`);
  });

  it('creates every service schema in Postgres from db/init', () => {
    expect(services.postgres?.volumes).toContain('./db/init:/docker-entrypoint-initdb.d:ro');
    const initSql = readFileSync(path.join(REPO_ROOT, 'db', 'init', '01-schemas.sql'), 'utf8');
    for (const spec of SERVICES) {
      expect(initSql).toContain(`CREATE SCHEMA IF NOT EXISTS ${spec.key}_schema;`);
    }
  });

  it('requires INTERNAL_API_TOKEN from the environment or .env, never a committed value', () => {
    for (const spec of SERVICES) {
      expect(environmentOf(services[spec.name]!).INTERNAL_API_TOKEN).toMatch(
        /^\$\{INTERNAL_API_TOKEN:\?.+\}$/,
      );
    }
    expect(envExample.INTERNAL_API_TOKEN).toBe('');
  });

  it('lists every service port and URL variable of the local stack in .env.example', () => {
    for (const spec of SERVICES) {
      expect(envExample, spec.portVariable).toHaveProperty(spec.portVariable, String(spec.defaultPort));
      expect(envExample, spec.urlVariable).toHaveProperty(spec.urlVariable);
    }
  });
});

describe.each(SERVICES.map((spec) => [spec.name, spec] as const))('%s variables', (name, spec) => {
  const hasConfig = existsSync(path.join(REPO_ROOT, spec.dir, 'src', 'config.ts'));
  // catalog-service and recommendation-service arrive on main in their own branches.
  const itWithConfig = it.skipIf(!hasConfig);
  const asEnvExampleName = (key: string) => (key === 'PORT' ? spec.portVariable : key);

  itWithConfig(`every variable ${name} reads is in .env.example (PORT as ${spec.portVariable})`, async () => {
    const missing = (await configKeys(spec.dir)).map(asEnvExampleName).filter((key) => !(key in envExample));
    expect(missing, 'add these to .env.example').toEqual([]);
  });

  itWithConfig(
    `every variable ${name} reads is in docs/running.md, tuning ones with their default`,
    async () => {
      const shape = await configShape(spec.dir);
      const keys = Object.keys(shape).map(asEnvExampleName);
      expect(
        keys.filter((key) => !runningDoc.includes(`\`${key}\``)),
        'add these to docs/running.md',
      ).toEqual([]);
      const documented = documentedDefaults();
      const wrong = Object.entries(shape).flatMap(([key, schema]) => {
        const doc = documented.get(key);
        if (doc === undefined || doc.startsWith('unset')) return [];
        const actual = String(schema.parse(undefined));
        return doc === actual ? [] : [`${key}: docs/running.md says ${doc}, the schema ${actual}`];
      });
      expect(wrong).toEqual([]);
    },
  );

  itWithConfig(
    `every variable ${name} reads is set or deliberately defaulted in docker-compose.yml`,
    async () => {
      const environment = environmentOf(services[name]!);
      const keys = await configKeys(spec.dir);
      expect(
        keys.filter((key) => !(key in environment)),
        'add these to its environment',
      ).toEqual([]);
      expect(
        Object.keys(environment).filter((key) => !keys.includes(key)),
        `${name} does not read these`,
      ).toEqual([]);
    },
  );
});

/** `docker compose` (v2 plugin) or `docker-compose` (v1), whichever is installed. */
async function composeCli(): Promise<string[] | undefined> {
  const run = promisify(execFile);
  for (const command of [['docker', 'compose'], ['docker-compose']]) {
    try {
      await run(command[0]!, [...command.slice(1), 'version'], { timeout: 20_000 });
      return command;
    } catch {}
  }
  return undefined;
}

const cli = await composeCli();

// No engine is needed to validate: `config` parses, interpolates and checks the schema.
// Skipped when no compose CLI is installed (.ci/run installs the Debian docker-compose package).
describe.skipIf(!cli)(`${cli?.join(' ') ?? 'compose CLI (not installed)'} config`, () => {
  const run = async (env: Record<string, string>) => {
    // An empty env file: a developer's .env must not change the outcome.
    const envFile = path.join(await mkdtemp(path.join(os.tmpdir(), 'compose-')), 'empty.env');
    writeFileSync(envFile, '');
    const cleanEnv = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith('INTERNAL_API_TOKEN')),
    );
    return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        cli![0]!,
        [
          ...cli!.slice(1),
          '--project-directory',
          REPO_ROOT,
          '-f',
          COMPOSE_FILE,
          '--env-file',
          envFile,
          'config',
        ],
        { env: { ...cleanEnv, ...env }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  };

  it('accepts the file once INTERNAL_API_TOKEN is set', async () => {
    const result = await run({ INTERNAL_API_TOKEN: 'test-token-0123456789' });
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    const resolved = parse(result.stdout) as { services: Record<string, ComposeService> };
    for (const spec of SERVICES) {
      const environment = environmentOf(resolved.services[spec.name]!);
      expect(environment.INTERNAL_API_TOKEN).toBe('test-token-0123456789');
      expect(environment.DATABASE_URL).toBe('postgres://ecom:ecom@postgres:5432/ecom');
    }
    for (const name of Object.keys(INFRA_PORTS)) {
      expect(hostAddresses(resolved.services[name]!), name).toEqual(['127.0.0.1']);
    }
  });

  it('refuses to start without INTERNAL_API_TOKEN', async () => {
    const result = await run({});
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('INTERNAL_API_TOKEN');
  });
});
