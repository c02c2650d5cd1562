import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';

// The installed PGlite's location names its version (pnpm store path): one template per build.
const pgliteBuild = createHash('sha256')
  .update(createRequire(import.meta.url).resolve('@electric-sql/pglite'))
  .digest('hex')
  .slice(0, 12);
// The machine's temporary folder, not the test run's (global-setup.ts): built once per machine.
const TEMPLATE = path.join(process.env.ECOM_MACHINE_TMPDIR ?? tmpdir(), `ecom-tests-pglite-${pgliteBuild}`);

/**
 * Puts an empty PGlite cluster into `target` by copying a template. Creating a cluster runs
 * initdb in WASM (seconds of CPU); copying a closed one takes milliseconds, and the service
 * applies its migrations to the copy as to any empty database. The template is made once per
 * machine and PGlite version; parallel test workers race safely through an atomic rename.
 */
export async function emptyPgliteInto(target: string): Promise<void> {
  if (!(await exists(TEMPLATE))) {
    const building = await mkdtemp(`${TEMPLATE}-building-`);
    const db = await PGlite.create(building);
    await db.query('SELECT 1');
    await db.close();
    await rename(building, TEMPLATE).catch(async () => {
      await rm(building, { recursive: true, force: true }); // another worker won the race
    });
  }
  await mkdir(path.dirname(target), { recursive: true });
  await cp(TEMPLATE, target, { recursive: true });
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
