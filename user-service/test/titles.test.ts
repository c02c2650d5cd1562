import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { App, AppWith } from '@ecom/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../src/deps.js';
import { startApp, testConfig } from './helper.js';

// "Café" as macOS and some CSV exports write it (e + combining acute) and as most keyboards do.
const NFD = 'Cafe\u0301 Ole';
const NFC = 'Caf\u00e9 Ole';
const profile = { gender: 'Female', age: 30, location: 'Oslo', preference: 'Books' };

describe('customer names: one name, one customer', () => {
  let app: App;
  const post = (payload: object) => app.inject({ method: 'POST', url: '/customer/', payload });
  const put = (payload: object) => app.inject({ method: 'PUT', url: '/customer/', payload });
  const total = async () => (await app.inject('/customer/')).headers['x-total-count'];

  beforeAll(async () => {
    app = await startApp(await testConfig({ SEED_ON_START: 'false' }));
  });
  afterAll(async () => {
    await app.close();
  });

  it('stores a name in NFC, so the same name typed decomposed is a 409 on create and update', async () => {
    const created = await post({ ...profile, title: NFD });
    expect(created.statusCode).toBe(200);
    expect(created.json().title).toBe(NFC);
    const again = await post({ ...profile, title: NFC });
    expect(again.statusCode).toBe(409);
    const other = (await post({ ...profile, title: 'Somebody Else' })).json();
    expect((await put({ ...other, title: NFD })).statusCode).toBe(409);
    expect((await app.inject(`/customer/${other.id}`)).json().title).toBe('Somebody Else');
  });

  it('trims invisible characters from both ends of a name, so the same name with one at an edge is a 409', async () => {
    expect((await post({ ...profile, title: '\u200bEdge Ann\u2060' })).json().title).toBe('Edge Ann');
    for (const title of ['\u200bEdge Ann', 'Edge Ann\u200b', 'Edge Ann\u00ad', '\ufeffEdge Ann\u200d ']) {
      expect((await post({ ...profile, title })).statusCode, JSON.stringify(title)).toBe(409);
    }
  });

  it('finds a name whichever way the search text is composed', async () => {
    const titles = async (q: string) =>
      (await app.inject(`/customer/?q=${encodeURIComponent(q)}`))
        .json()
        .map((c: { title: string }) => c.title);
    expect(await titles('cafe\u0301')).toEqual([NFC]);
    expect(await titles('CAF\u00c9')).toEqual([NFC]);
  });

  it('answers 422 for a name of only invisible characters, as for a blank one, and stores nothing', async () => {
    const before = await total();
    for (const title of ['\u200b', '\ufeff\u200d', ' \u2060\u200b ', '\u3164', '']) {
      const response = await post({ ...profile, title });
      expect(response.statusCode, JSON.stringify(title)).toBe(422);
      expect(response.json().detail).toEqual([
        { loc: ['body', 'title'], msg: expect.stringMatching(/blank or only invisible/), type: 'custom' },
      ]);
    }
    const invisibleSearch = await app.inject(`/customer/?q=${encodeURIComponent('\u200b')}`);
    expect(invisibleSearch.statusCode).toBe(422);
    expect(await total()).toBe(before);
    // Visible text around an invisible character is a name.
    expect((await post({ ...profile, title: 'Zoë\u200dAnn' })).statusCode).toBe(200);
  });

  it('answers 422, not 500, for a name that only grows past 150 characters once normalised', async () => {
    // U+0958 is one character as sent and two in NFC: 150 of them would not fit the column.
    const response = await post({ ...profile, title: '\u0958'.repeat(150) });
    expect(response.statusCode).toBe(422);
    expect(response.json().detail[0].msg).toBe('At most 150 characters once normalised to NFC');
    expect((await post({ ...profile, title: '\u0958'.repeat(75) })).statusCode).toBe(200);
  });

  it('still answers and follows customers stored before the rules (NFD, or invisible names)', async () => {
    const { prisma } = (app as AppWith<Deps>).deps;
    const old = await prisma.customer.create({ data: { ...profile, title: '\u2063' } });
    const decomposed = await prisma.customer.create({ data: { ...profile, title: 'Jose\u0301' } });
    expect((await app.inject(`/customer/${old.id}`)).json().title).toBe('\u2063');
    expect((await app.inject(`/customer/${decomposed.id}`)).json().title).toBe('Jose\u0301');
    expect((await app.inject('/customer/?limit=100')).statusCode).toBe(200);
    expect((await app.inject('/customer/changes/?limit=1000')).statusCode).toBe(200);
    // Its owner can still fix it.
    expect((await put({ ...profile, id: old.id, title: 'Visible Now' })).statusCode).toBe(200);
  });

  it('says so in the OpenAPI document', async () => {
    const doc = (await app.inject('/docs/json')).json();
    const body = doc.paths['/customer/'].post.requestBody.content['application/json'].schema;
    const title = (body.properties ?? doc.components.schemas[body.$ref.split('/').pop()].properties).title;
    expect(title.description).toMatch(/NFC/);
    expect(title.description).toMatch(/invisible/);
    expect(title.pattern).toContain('\\u200b');
  });
});

describe('seeding customers: names as the API stores them', () => {
  it('stores a dataset name in NFC and seeds the same name once', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'seed-titles-'));
    const file = path.join(dir, 'dataset.csv');
    const header =
      'user_id,name,age,gender,location,preferences,product_id,category,product_name,description,tags\n';
    await writeFile(
      file,
      `${header}1,${NFD},30,Female,Oslo,Books,1,Books,Dune,A novel,Book\n` +
        `2,${NFC},31,Male,Rome,Books,1,Books,Dune,A novel,Book\n` +
        '3,\u200b\u2060,32,Male,Rome,Books,1,Books,Dune,A novel,Book\n',
    );
    const app = await startApp(await testConfig({ DATASET_PATH: file }));
    try {
      expect((await app.inject('/customer/')).json()).toEqual([{ id: 1, title: NFC, ...profile }]);
    } finally {
      await app.close();
    }
  });
});
