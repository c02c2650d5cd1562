import type { AppWith } from '@ecom/service-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Deps } from '../src/deps.js';
import { startApp, testConfig } from './helper.js';

const customer = { title: 'Disk Full', gender: 'Female', age: 30, location: 'Oslo', preference: 'Books' };
let app: AppWith<Deps>;

beforeAll(async () => {
  app = (await startApp(await testConfig({ SEED_ON_START: 'false' }))) as AppWith<Deps>;
});
afterAll(async () => {
  await app.close();
});

// A DATA_DIR (or Postgres volume) that fills up: Postgres answers SQLSTATE 53100, as PGlite did
// on a full tmpfs ("could not extend file ...: No space left on device"). The trigger raises
// that code; everything from the driver to the answer is the real path.
it('answers 503, not 500, while the database has no room to write, and writes again once it has', async () => {
  const { prisma } = app.deps;
  await prisma.$executeRawUnsafe(`CREATE FUNCTION user_schema.no_room() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$`);
  await prisma.$executeRawUnsafe(
    'CREATE TRIGGER no_room BEFORE INSERT ON user_schema.customer FOR EACH ROW EXECUTE FUNCTION user_schema.no_room()',
  );
  const full = await app.inject({ method: 'POST', url: '/customer/', payload: customer });
  expect(full.statusCode).toBe(503);
  expect(full.json()).toEqual({ detail: 'Database unavailable, try again shortly' });

  await prisma.$executeRawUnsafe('DROP TRIGGER no_room ON user_schema.customer');
  expect((await app.inject({ method: 'POST', url: '/customer/', payload: customer })).statusCode).toBe(200);
});
