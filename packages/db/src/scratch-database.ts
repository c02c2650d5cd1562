import pg from 'pg';

/** Set by packages/testing's global setup: marks what a run creates (scratchName) so its end drops exactly that. */
export const SCRATCH_TAG_VARIABLE = 'ECOM_SCRATCH_TAG';

/**
 * `<prefix>_<run tag>_<pid>_<random>`: a name no other test or run uses, which the end of the run
 * finds again by its tag. For scratch databases and for the tests' Milvus collections and
 * databases (packages/testing's global setup drops both); letters, digits and `_` suit both.
 */
export function scratchName(prefix: string): string {
  const tag = process.env[SCRATCH_TAG_VARIABLE];
  const random = Math.random().toString(36).slice(2, 8);
  return `${prefix}_${tag ? `${tag}_` : ''}${process.pid}_${random}`.replace(/[^a-z0-9_]/gi, '_');
}

/** An empty database next to `baseUrl`'s, one per test file so files never see each other's rows. */
export async function createScratchDatabase(baseUrl: string, prefix: string): Promise<string> {
  const name = scratchName(prefix);
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops every scratch database created with this tag (the end of a test run); returns how many. */
export async function dropScratchDatabases(baseUrl: string, tag: string): Promise<number> {
  if (!/^[a-z0-9]+$/.test(tag)) throw new Error(`not a scratch tag: ${tag}`);
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ name: string }>(
      'SELECT datname AS name FROM pg_database WHERE datname LIKE $1',
      [`%\\_${tag}\\_%`],
    );
    // FORCE: a test that failed may have left a connection open.
    for (const { name } of rows)
      await admin.query(`DROP DATABASE IF EXISTS "${name.replaceAll('"', '""')}" WITH (FORCE)`);
    return rows.length;
  } finally {
    await admin.end();
  }
}
