import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { ORIGINAL_DATASET, startApp, testConfig } from './helper.js';

const PROJECT_DATASET = path.resolve(import.meta.dirname, '../../dataset.csv');

describe('seeding customers from the dataset', () => {
  it('imports the 26 customers of the original dataset keeping their CSV ids', async () => {
    const app = await startApp(await testConfig({ DATASET_PATH: ORIGINAL_DATASET }));
    try {
      const response = await app.inject({ method: 'GET', url: '/customer/?limit=100' });
      expect(response.headers['x-total-count']).toBe('26');
      const customers = response.json();
      expect(customers.map((c: { id: number }) => c.id)).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
      expect(customers[24]).toEqual({
        id: 25,
        title: 'Oscar',
        gender: 'Male',
        age: 34,
        location: 'San Francisco',
        preference: 'Books',
      });
      // The id sequence moved past the seeded ids: a new customer does not collide.
      const created = await app.inject({
        method: 'POST',
        url: '/customer/',
        payload: { title: 'Newcomer', gender: 'Female', age: 22, location: 'Rome', preference: 'Books' },
      });
      expect(created.statusCode).toBe(200);
      expect(created.json().id).toBe(27);
    } finally {
      await app.close();
    }
  });

  it('is idempotent across restarts and never brings back or overwrites what users changed', async () => {
    const config = await testConfig({ DATASET_PATH: ORIGINAL_DATASET });
    const first = await startApp(config);
    await first.inject({
      method: 'PUT',
      url: '/customer/',
      payload: {
        id: 1,
        title: 'Alice Renamed',
        gender: 'Female',
        age: 31,
        location: 'Boston',
        preference: 'Books',
      },
    });
    await first.inject({ method: 'DELETE', url: '/customer/2' });
    await first.close();

    const second = await startApp(config);
    try {
      const list = await second.inject({ method: 'GET', url: '/customer/?limit=100' });
      expect(list.headers['x-total-count']).toBe('25');
      const alice = await second.inject({ method: 'GET', url: '/customer/1' });
      expect(alice.json().title).toBe('Alice Renamed');
      expect((await second.inject({ method: 'GET', url: '/customer/2' })).statusCode).toBe(404);
    } finally {
      await second.close();
    }
  });

  it('adds only the new customers when the dataset file changes', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'seed-'));
    const file = path.join(dir, 'dataset.csv');
    const header =
      'user_id,name,age,gender,location,preferences,product_id,category,product_name,description,tags\n';
    await writeFile(file, `${header}1,Ann,30,Female,Oslo,Books,1,Books,Dune,A novel,"Book, SciFi"\n`);
    const config = await testConfig({ DATASET_PATH: file });
    const first = await startApp(config);
    await first.close();
    await writeFile(
      file,
      `${header}1,Ann Changed,30,Female,Oslo,Books,1,Books,Dune,A novel,"Book, SciFi"\n` +
        `2,Ben,40,Male,Rome,Books,1,Books,Dune,A novel,"Book, SciFi"\n`,
    );
    const second = await startApp(config);
    try {
      const customers = (await second.inject({ method: 'GET', url: '/customer/' })).json();
      expect(customers.map((c: { id: number; title: string }) => [c.id, c.title])).toEqual([
        [1, 'Ann'],
        [2, 'Ben'],
      ]);
    } finally {
      await second.close();
    }
  });

  it('never brings back a deleted customer nor takes an id or a name another customer holds, and logs why', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'seed-'));
    const file = path.join(dir, 'dataset.csv');
    const header =
      'user_id,name,age,gender,location,preferences,product_id,category,product_name,description,tags\n';
    await writeFile(
      file,
      `${header}1,Ann,30,Female,Oslo,Books,1,Books,Dune,A novel,Book\n2,Ben,40,Male,Rome,Books,1,Books,Dune,A novel,Book\n`,
    );
    const config = await testConfig({ DATASET_PATH: file });
    const first = await startApp(config);
    const cleo = { title: 'Cleo', gender: 'Female', age: 25, location: 'Lyon', preference: 'Music' };
    expect((await first.inject({ method: 'POST', url: '/customer/', payload: cleo })).json().id).toBe(3);
    await first.inject({ method: 'DELETE', url: '/customer/2' });
    await first.close();
    // Rows appended: Ben again, a dataset customer 3 (the id is Cleo's now), "Cleo" as 4, and Eve.
    await writeFile(
      file,
      `${header}1,Ann,30,Female,Oslo,Books,1,Books,Dune,A novel,Book\n2,Ben,40,Male,Rome,Books,1,Books,Dune,A novel,Book\n` +
        '3,Dan,50,Male,Bern,Books,1,Books,Dune,A novel,Book\n4,Cleo,22,Female,Nice,Music,1,Books,Dune,A novel,Book\n' +
        '5,Eve,35,Female,Riga,Books,1,Books,Dune,A novel,Book\n',
    );
    const lines: { msg: string; customerId?: number; reason?: string; inserted?: number }[] = [];
    const stream = { write: (line: string) => lines.push(JSON.parse(line)) };
    const second = await buildApp(config, { logger: { level: 'info', stream } });
    try {
      await second.ready();
      await second.startedUp();
      const customers = (await second.inject({ method: 'GET', url: '/customer/' })).json();
      expect(customers).toEqual([
        expect.objectContaining({ id: 1, title: 'Ann' }),
        expect.objectContaining({ id: 3, title: 'Cleo', location: 'Lyon' }),
        expect.objectContaining({ id: 5, title: 'Eve' }),
      ]);
      const skipped = lines.filter((line) => line.msg === 'dataset customer not seeded');
      expect(skipped.map(({ customerId, reason }) => [customerId, reason])).toEqual([
        [2, 'customer 2 was deleted; a deleted customer is not seeded again'],
        [3, 'customer 3 is "Cleo", not "Dan"'],
        [4, 'the name "Cleo" belongs to customer 3'],
      ]);
      expect(lines.find((line) => line.msg === 'customers seeded from dataset')).toMatchObject({
        inserted: 1,
        notSeeded: 3,
      });
    } finally {
      await second.close();
    }
  });

  it('never hands out an id again: an empty dataset starts at 1, a re-seed does not move the ids back', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'seed-'));
    const file = path.join(dir, 'dataset.csv');
    await writeFile(
      file,
      'user_id,name,age,gender,location,preferences,product_id,category,product_name,description,tags\n',
    );
    const config = await testConfig({ DATASET_PATH: file });
    const payload = (title: string) => ({
      title,
      gender: 'Female',
      age: 22,
      location: 'Rome',
      preference: 'Books',
    });
    const first = await startApp(config);
    const ids: number[] = [];
    for (const title of ['One', 'Two', 'Three'])
      ids.push(
        (await first.inject({ method: 'POST', url: '/customer/', payload: payload(title) })).json().id,
      );
    expect(ids).toEqual([1, 2, 3]);
    await first.inject({ method: 'DELETE', url: '/customer/3' });
    await first.close();
    // The file changed: the seed runs again over a table whose highest id (2) is below the last one given out.
    await writeFile(
      file,
      'user_id,name,age,gender,location,preferences,product_id,category,product_name,description,tags\n' +
        '1,One,22,Female,Rome,Books,1,Books,Dune,A novel,Book\n',
    );
    const second = await startApp(config);
    try {
      const created = await second.inject({ method: 'POST', url: '/customer/', payload: payload('Four') });
      expect(created.json().id).toBe(4);
    } finally {
      await second.close();
    }
  });

  it('seeds the project dataset by default', async () => {
    const app = await startApp(await testConfig({ DATASET_PATH: PROJECT_DATASET }));
    try {
      const response = await app.inject({ method: 'GET', url: '/customer/3' });
      expect(response.statusCode).toBe(200);
      const total = Number((await app.inject({ method: 'GET', url: '/customer/' })).headers['x-total-count']);
      expect(total).toBeGreaterThanOrEqual(40);
    } finally {
      await app.close();
    }
  });

  it('answers while it seeds: /healthz 200, /readyz 503 until every customer is there', async () => {
    const rows = [
      'user_id,name,age,gender,location,preferences,product_id,category,product_name,description,tags',
    ];
    for (let row = 0; row < 20_000; row++) {
      const id = (row % 2_000) + 1;
      rows.push(
        `${id},Customer ${id},30,Female,Oslo,Books,${row % 300},Books,Product ${row % 300},A product,Tag`,
      );
    }
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'seed-big-')), 'dataset.csv');
    await writeFile(file, `${rows.join('\n')}\n`);
    const app = await buildApp(await testConfig({ DATASET_PATH: file }), { logger: false });
    try {
      await app.ready();
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const seeding = await app.inject({ method: 'GET', url: '/readyz' });
      expect([seeding.statusCode, seeding.json().detail]).toEqual([503, 'Not ready: customer seed running']);
      await app.startedUp();
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      const list = await app.inject({ method: 'GET', url: '/customer/?limit=1' });
      expect(list.headers['x-total-count']).toBe('2000');
    } finally {
      await app.close();
    }
  });

  it('fails start-up with a clear message when the dataset file is missing', async () => {
    await expect(startApp(await testConfig({ DATASET_PATH: '/nonexistent/dataset.csv' }))).rejects.toThrow(
      /ENOENT|no such file/,
    );
  });
});
