import { tmpdir } from 'node:os';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createScratchDatabase, dropScratchDatabases, SCRATCH_TAG_VARIABLE } from '../src/index.js';

const base = process.env.DATABASE_URL;

async function databaseNames(): Promise<string[]> {
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    return (await client.query<{ name: string }>('SELECT datname AS name FROM pg_database')).rows.map(
      (row) => row.name,
    );
  } finally {
    await client.end();
  }
}

const nameOf = (url: string) => new URL(url).pathname.slice(1);

describe('what a test run leaves behind', () => {
  it('runs with a temporary folder of its own and a tag for its scratch databases (global setup)', () => {
    expect(tmpdir()).toMatch(/ecom-test-run-/);
    expect(process.env[SCRATCH_TAG_VARIABLE]).toMatch(/^r[0-9a-f]{8}$/);
  });

  it.skipIf(!base)(
    'drops the scratch databases of one tag, even one still connected, and no other (needs DATABASE_URL)',
    async () => {
      const runTag = process.env[SCRATCH_TAG_VARIABLE];
      // Tags of this run's own: another run on the same server (CI beside a developer's) never
      // counts or drops these, nor this one theirs.
      const keepTag = `${runTag}keep`;
      const dropTag = `${runTag}drop`;
      try {
        process.env[SCRATCH_TAG_VARIABLE] = keepTag;
        const other = nameOf(await createScratchDatabase(base!, 'test_keep'));
        process.env[SCRATCH_TAG_VARIABLE] = dropTag;
        const dropped = [
          await createScratchDatabase(base!, 'test_drop'),
          await createScratchDatabase(base!, 'test_drop'),
        ];
        const open = new pg.Client({ connectionString: dropped[0] });
        await open.connect();
        open.on('error', () => {}); // the forced drop ends this connection

        expect(await dropScratchDatabases(base!, dropTag)).toBe(2);
        const names = await databaseNames();
        for (const url of dropped) expect(names).not.toContain(nameOf(url));
        expect(names).toContain(other);
        await open.end().catch(() => {});
        expect(await dropScratchDatabases(base!, keepTag)).toBe(1);
      } finally {
        process.env[SCRATCH_TAG_VARIABLE] = runTag;
      }
    },
    // Three CREATE and three DROP DATABASE on a server other test files keep busy: they took over
    // the default 30 s once on a loaded machine (load 13).
    120_000,
  );
});
