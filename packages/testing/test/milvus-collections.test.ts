import { SCRATCH_TAG_VARIABLE, scratchName } from '@ecom/db';
import { DataType, MilvusClient } from '@zilliz/milvus2-sdk-node';
import { describe, expect, it } from 'vitest';
import { dropScratchCollections } from '../src/milvus-collections.js';

const address = process.env.MILVUS_ADDRESS;

describe('Milvus collections a test run leaves behind', () => {
  it.skipIf(!address)(
    'drops the collections and databases of one tag and no other (needs MILVUS_ADDRESS)',
    async () => {
      const runTag = process.env[SCRATCH_TAG_VARIABLE];
      // Tags of this test's own: the run's tag also marks other files' collections, in use now.
      const keepTag = `${runTag}keep`;
      const dropTag = `${runTag}drop`;
      const admin = new MilvusClient({ address: address!, telemetry: { enabled: false }, logLevel: 'error' });
      const create = async (collection: string, database = 'default') => {
        const status = await admin.createCollection({
          db_name: database,
          collection_name: collection,
          fields: [
            { name: 'id', data_type: DataType.Int64, is_primary_key: true },
            { name: 'vector', data_type: DataType.FloatVector, dim: 4 },
          ],
        });
        expect(status.error_code).toBe('Success');
      };
      const collections = async (database = 'default') =>
        (await admin.showCollections({ db_name: database })).data.map((c) => c.name);
      // Without a tag, as a developer's own collection is: no run may drop it.
      const own = `own_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
      try {
        await create(own);
        process.env[SCRATCH_TAG_VARIABLE] = keepTag;
        const kept = scratchName('test');
        await create(kept);
        process.env[SCRATCH_TAG_VARIABLE] = dropTag;
        const dropped = [scratchName('test'), scratchName('test')];
        for (const name of dropped) await create(name);
        // A tagged database goes with every collection in it, tagged or not.
        const database = scratchName('db');
        expect((await admin.createDatabase({ db_name: database })).error_code).toBe('Success');
        await create('products_hashing_d4', database);

        expect(await dropScratchCollections(address!, dropTag)).toBe(4);
        const left = await collections();
        for (const name of dropped) expect(left).not.toContain(name);
        expect(left).toEqual(expect.arrayContaining([own, kept]));
        expect((await admin.listDatabases()).db_names).not.toContain(database);
        expect(await dropScratchCollections(address!, keepTag)).toBe(1);
        expect(await collections()).toContain(own);
      } finally {
        process.env[SCRATCH_TAG_VARIABLE] = runTag;
        await admin.dropCollection({ collection_name: own });
        await admin.closeConnection();
      }
    },
  );
});
