import type { App, AppWith } from '@ecom/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../src/deps.js';
import { startApp, testConfig } from './helper.js';

// Security finding C: an ESC sequence in a customer's name reached logs and terminals as sent.
const profile = { gender: 'Female', age: 30, location: 'Oslo', preference: 'Books' };

describe('control characters in a customer', () => {
  let app: App;
  const send = (method: 'POST' | 'PUT', payload: object) =>
    app.inject({ method, url: '/customer/', payload });

  beforeAll(async () => {
    app = await startApp(await testConfig({ SEED_ON_START: 'false' }));
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers 422 naming the field for one inside any text field, on create and update, and changes nothing', async () => {
    const ann = (await send('POST', { ...profile, title: 'Ann' })).json();
    const total = (await app.inject('/customer/')).headers['x-total-count'];
    for (const [field, value] of [
      ['title', 'Ann\u001b[31mRed'],
      ['location', 'x\ny'],
      ['gender', 'F\u0007'],
      ['preference', 'Books\u202eskooB'],
    ]) {
      for (const [method, payload] of [
        ['POST', { ...profile, title: 'New', [field as string]: value }],
        ['PUT', { ...ann, [field as string]: value }],
      ] as const) {
        const response = await send(method, payload);
        expect(response.statusCode, `${method} ${field}`).toBe(422);
        expect(response.json()).toEqual({
          detail: [
            {
              loc: ['body', field],
              msg: expect.stringMatching(/^Must not contain control characters .* bidi/),
              type: 'string_control',
            },
          ],
        });
      }
    }
    expect((await app.inject('/customer/')).headers['x-total-count']).toBe(total);
    expect((await app.inject(`/customer/${ann.id}`)).json()).toEqual(ann);
    // At the edges they are trimmed, as before.
    expect(
      (await send('POST', { ...profile, title: ' Café\n', location: '\tOslo\r\n' })).json(),
    ).toMatchObject({
      title: 'Café',
      location: 'Oslo',
    });
  });

  it('still answers and follows a customer stored before the rule, as stored', async () => {
    const { prisma } = (app as AppWith<Deps>).deps;
    const data = { ...profile, title: 'Old\u001b[2JName', location: 'x\ny\u202e' };
    const old = await prisma.customer.create({ data });
    const read = await app.inject(`/customer/${old.id}`);
    expect([read.statusCode, read.json()]).toEqual([200, { id: old.id, ...data }]);
    expect((await app.inject('/customer/?limit=100')).statusCode).toBe(200);
    const feed = await app.inject('/customer/changes/?limit=1000');
    expect(feed.statusCode).toBe(200);
    expect(feed.json().map((change: { customer: unknown }) => change.customer)).toContainEqual({
      id: old.id,
      ...data,
    });
    // Its owner can still fix it.
    expect((await send('PUT', { ...data, id: old.id, title: 'Fixed', location: 'Oslo' })).statusCode).toBe(
      200,
    );
  });
});
