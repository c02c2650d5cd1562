// vitest's global setup: everything a test run leaves on disk is removed when it ends.
// Tests make a temporary folder and a scratch database per service they start (PGlite copies,
// vector files, a stack's DATA_DIR). Left behind, a few hundred runs filled this machine's
// disk: ~40 GB of folders in /tmp and 3,648 databases (28 GB) in Postgres.
// - Temporary folders: the workers' TMPDIR points into one folder for the run (Node's
//   os.tmpdir() follows it, and so do the processes tests start), removed at the end.
// - Scratch databases carry the run's tag in their names; those are dropped at the end.
// - So do the Milvus collections (and databases) tests create on MILVUS_ADDRESS, which may be a
//   developer's own Milvus: only those with the tag are dropped, theirs stay.
// The PGlite template (pglite-template.ts) stays in the machine's temporary folder: it is
// built once per machine, not per run.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dropScratchDatabases, SCRATCH_TAG_VARIABLE } from '@ecom/db';
import { dropScratchCollections } from './milvus-collections.js';

export const MACHINE_TMP_VARIABLE = 'ECOM_MACHINE_TMPDIR';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  // With projects, each one runs this setup: the first sets up the run, the others share it.
  if (process.env[SCRATCH_TAG_VARIABLE]) return undefined;
  const machineTmp = tmpdir();
  const runDir = await mkdtemp(path.join(machineTmp, 'ecom-test-run-'));
  // The same mode as /tmp: tests run some servers as another user (a private Postgres as
  // `postgres`), which must reach their folders in here.
  await chmod(runDir, 0o1777);
  const tag = `r${randomBytes(4).toString('hex')}`;
  process.env[MACHINE_TMP_VARIABLE] = machineTmp;
  process.env.TMPDIR = runDir;
  process.env[SCRATCH_TAG_VARIABLE] = tag;
  return async () => {
    const databaseUrl = process.env.DATABASE_URL;
    const milvusAddress = process.env.MILVUS_ADDRESS;
    // Each clean-up runs even if another fails (a server gone away): the failures are reported together.
    const cleanups = await Promise.allSettled([
      rm(runDir, { recursive: true, force: true }),
      databaseUrl ? dropScratchDatabases(databaseUrl, tag) : undefined,
      milvusAddress ? dropScratchCollections(milvusAddress, tag) : undefined,
    ]);
    const failures = cleanups.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    if (failures.length > 0) throw new AggregateError(failures, 'a test run could not remove what it left');
  };
}
