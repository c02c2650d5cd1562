import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { closedPort, startService } from '@ecom/testing';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { DatasetImporter } from '../src/import/dataset-import.js';
import { startApp, testConfig } from './helper.js';

const HEADER =
  'user_id,name,age,gender,location,preferences,product_id,category,product_name,description,tags\n';

async function csv(content: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'catalog-import-customers-'));
  const file = path.join(dir, 'dataset.csv');
  await writeFile(file, content);
  return file;
}

describe('dataset rows and the customers user-service holds', () => {
  it('books a row only for the customer it names, and a customer deleted through the API stays deleted', async () => {
    const file = await csv(
      `${HEADER}1,Ann,30,Female,Oslo,Books,1,Books,Dune,A novel,Book\n` +
        '2,Ben,41,Male,Rome,Books,1,Books,Dune,A novel,Book\n',
    );
    let users = await startService('user-service', { DATASET_PATH: file });
    const config = await testConfig({
      DATASET_PATH: file,
      IMPORT_ON_START: 'true',
      USER_SERVICE_URL: users.url,
    });
    let catalog = await startApp(config);
    // The shop signs up Cleo (she gets id 3) and deletes Ben's account.
    const cleo = await users.app.inject({
      method: 'POST',
      url: '/customer/',
      payload: { title: 'Cleo', gender: 'Female', age: 25, location: 'Lyon', preference: 'Music' },
    });
    expect(cleo.json().id).toBe(3);
    expect((await users.app.inject({ method: 'DELETE', url: '/customer/2' })).statusCode).toBe(204);
    await catalog.close();
    await users.close();

    // Rows appended later: a new dataset customer 3 (the id is Cleo's now), a dataset "Cleo"
    // under another id (the name is taken), and Ben again.
    await appendFile(
      file,
      '3,Dan,50,Male,Bern,Books,2,Books,Emma,A novel,Book\n' +
        '4,Cleo,22,Female,Nice,Music,3,Music,Blue,An album,Vinyl\n' +
        '2,Ben,41,Male,Rome,Books,2,Books,Emma,A novel,Book\n',
    );
    users = await startService('user-service', users.env, { port: users.port });
    catalog = await startApp(config);
    try {
      expect((await users.app.inject({ method: 'GET', url: '/customer/2' })).statusCode).toBe(404);
      expect((await users.app.inject({ method: 'GET', url: '/customer/3' })).json().title).toBe('Cleo');
      expect((await users.app.inject({ method: 'GET', url: '/customer/4' })).statusCode).toBe(404);

      // Cleo bought nothing: nobody else's rows are in her history.
      const history = await catalog.inject({
        method: 'GET',
        url: '/Purchases/customer_purchased_products/3',
      });
      expect(history.statusCode).toBe(200);
      expect(history.json()).toMatchObject({ title: 'Cleo', purchases: [] });
      const feed = (await catalog.inject({ method: 'GET', url: '/Purchases/?limit=5000' })).json();
      expect(feed.map((p: { customer_id: number; product_id: number }) => p.customer_id)).toEqual([1, 2]);

      const summary = (await catalog.inject({ method: 'GET', url: '/dataset/imports' })).json()[0].summary;
      // Rejected for good: the file is not read again at the next start.
      expect(summary).toMatchObject({ read: 5, imported: 0, skipped: 1, rejected: 4, not_seeded_yet: 0 });
      expect(summary.issues).toEqual([
        { line: 3, action: 'rejected', reason: 'customer 2 "Ben" was deleted in user-service' },
        { line: 4, action: 'rejected', reason: 'customer 3 is "Cleo" in user-service, not "Dan"' },
        {
          line: 5,
          action: 'rejected',
          reason: 'the name "Cleo" belongs to customer 3 in user-service',
        },
        { line: 6, action: 'rejected', reason: 'customer 2 "Ben" was deleted in user-service' },
      ]);
    } finally {
      await catalog.close();
      await users.close();
    }
  });

  it('imports the rows of customers user-service seeds after catalog-service read the changed file', async () => {
    const file = await csv(`${HEADER}1,Ann,30,Female,Oslo,Books,1,Books,Dune,A novel,Book\n`);
    let users = await startService('user-service', { DATASET_PATH: file });
    const config = await testConfig({
      DATASET_PATH: file,
      IMPORT_ON_START: 'true',
      USER_SERVICE_URL: users.url,
    });
    await (await startApp(config)).close();

    // Ben's row is added, and only catalog-service restarts: user-service has not seeded him.
    await appendFile(file, '2,Ben,41,Male,Rome,Books,1,Books,Dune,A novel,Book\n');
    const lines: { msg: string; rows?: number; customerIds?: number[] }[] = [];
    const stream = { write: (line: string) => lines.push(JSON.parse(line)) };
    let catalog = await buildApp(config, { logger: { level: 'warn', stream } });
    await catalog.ready();
    await catalog.startedUp();
    const summary = async () =>
      (await catalog.inject({ method: 'GET', url: '/dataset/imports' })).json()[0].summary;
    expect(await summary()).toMatchObject({
      read: 2,
      imported: 0,
      skipped: 1,
      rejected: 0,
      not_seeded_yet: 1,
    });
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: expect.stringMatching(/user-service does not have their customers yet.*read again/),
        rows: 1,
        customerIds: [2],
      }),
    );
    await catalog.close();

    // user-service restarts and seeds Ben; so does catalog-service, which reads the file again.
    await users.close();
    users = await startService('user-service', users.env, { port: users.port });
    catalog = await buildApp(config, { logger: false });
    await catalog.ready();
    await catalog.startedUp();
    try {
      const history = await catalog.inject({
        method: 'GET',
        url: '/Purchases/customer_purchased_products/2',
      });
      expect(history.json()).toMatchObject({ title: 'Ben', purchases: [{ product_title: 'Dune' }] });
      expect(await summary()).toMatchObject({ read: 2, imported: 1, skipped: 1, not_seeded_yet: 0 });
      // Every row is booked now: the next start does not read the file.
      const again = new DatasetImporter(
        catalog.deps.prisma,
        catalog.deps.outboxSignal,
        catalog.deps.users,
        catalog.log,
        {
          batchSize: 100,
          userServiceWaitMs: 1_000,
        },
      );
      expect(await again.run(file)).toMatchObject({ already_imported: true, imported: 1 });
    } finally {
      await catalog.close();
      await users.close();
    }
  });

  it('waits for user-service to finish seeding the customers before reading them', async () => {
    const customers = 5_000;
    let rows = HEADER;
    for (let id = 1; id <= customers; id++)
      rows += `${id},Customer ${id},30,Female,Oslo,Books,1,Books,Dune,A novel,Book\n`;
    const file = await csv(rows);
    const port = await closedPort();
    const config = await testConfig({ DATASET_PATH: file, USER_SERVICE_URL: `http://127.0.0.1:${port}` });
    const catalog = await buildApp(config, { logger: false });
    await catalog.ready();
    // Answers at once and seeds in the background: the import below starts while the seed runs.
    const users = await startService('user-service', { DATASET_PATH: file }, { port, waitForStartUp: false });
    try {
      const summary = await new DatasetImporter(
        catalog.deps.prisma,
        catalog.deps.outboxSignal,
        catalog.deps.users,
        catalog.log,
        { batchSize: 1_000, userServiceWaitMs: 60_000 },
      ).run(file);
      expect(summary).toMatchObject({ read: customers, imported: customers, rejected: 0 });
    } finally {
      await users.close();
      await catalog.close();
    }
  }, 120_000);

  it('waits for a user-service that comes up late, and imports nothing if it never does', async () => {
    const file = await csv(`${HEADER}1,Ann,30,Female,Oslo,Books,1,Books,Dune,A novel,Book\n`);
    const port = await closedPort();
    const lines: { msg: string }[] = [];
    const stream = { write: (line: string) => lines.push(JSON.parse(line)) };
    const config = await testConfig({ DATASET_PATH: file, USER_SERVICE_URL: `http://127.0.0.1:${port}` });
    const catalog = await buildApp(config, { logger: { level: 'info', stream } });
    await catalog.ready();
    const importer = (userServiceWaitMs: number) =>
      new DatasetImporter(catalog.deps.prisma, catalog.deps.outboxSignal, catalog.deps.users, catalog.log, {
        batchSize: 100,
        userServiceWaitMs,
      });
    try {
      await expect(importer(200).run(file)).rejects.toThrow(
        /user-service did not answer for \d+ s \(user-service is unavailable.*nothing was imported/,
      );
      expect((await catalog.inject({ method: 'GET', url: '/dataset/imports' })).json()).toEqual([]);
      expect((await catalog.inject({ method: 'GET', url: '/Purchases/' })).json()).toEqual([]);

      const importing = importer(60_000).run(file);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const users = await startService('user-service', { DATASET_PATH: file }, { port });
      try {
        expect(await importing).toMatchObject({ read: 1, imported: 1, rejected: 0 });
      } finally {
        await users.close();
      }
      expect(lines.map((line) => line.msg)).toContain(
        "dataset import waiting for user-service, which holds the file's customers",
      );
      expect(lines.map((line) => line.msg)).toContain('user-service answered; importing the dataset');
    } finally {
      await catalog.close();
    }
  });
});
