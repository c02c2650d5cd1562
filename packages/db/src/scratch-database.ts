import pg from 'pg';

/**
 * Creates an empty database next to the one `baseUrl` points at and returns its URL.
 * Tests use one per file so they never see each other's rows.
 */
export async function createScratchDatabase(baseUrl: string, prefix: string): Promise<string> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`.replace(
    /[^a-z0-9_]/gi,
    '_',
  );
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
