import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type App, createServer } from '../src/index.js';

const apps: App[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

describe('the OpenAPI document', () => {
  it('lists null in the enum of a nullable enum, wherever it is: OpenAPI 3.0 refuses null otherwise', async () => {
    const app = await createServer({ name: 'test-service', description: 'test', logger: false });
    apps.push(app);
    const state = z.enum(['on', 'off']).nullable();
    app.post(
      '/things/',
      {
        schema: {
          querystring: z.object({ state: state.optional() }),
          body: z.object({ states: z.array(state), either: z.union([state, z.number()]) }),
          response: { 200: z.object({ state }) },
        },
      },
      async () => ({ state: null }),
    );
    const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    const operation = document.paths['/things/'].post;
    const body = operation.requestBody.content['application/json'].schema;
    const nullableEnums = [
      operation.parameters.find((parameter: { name: string }) => parameter.name === 'state').schema,
      body.properties.states.items,
      body.properties.either.anyOf[0],
      operation.responses[200].content['application/json'].schema.properties.state,
    ];
    for (const schema of nullableEnums)
      expect(schema).toMatchObject({ nullable: true, enum: ['on', 'off', null] });
  });
});
