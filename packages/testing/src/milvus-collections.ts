// Not exported from index.ts (a path of its own: @ecom/testing/milvus-collections): only the global
// setup and the benches need the Milvus SDK, and every test file that imports @ecom/testing would load it otherwise.
import { MilvusClient, type ResStatus } from '@zilliz/milvus2-sdk-node';

/**
 * Drops every Milvus collection and database whose name carries this tag (tests name them with
 * scratchName from @ecom/db); returns how many. Nothing without the tag is touched: the server may
 * be a developer's own Milvus, with collections of their own.
 */
export async function dropScratchCollections(address: string, tag: string): Promise<number> {
  if (!/^[a-z0-9]+$/.test(tag)) throw new Error(`not a scratch tag: ${tag}`);
  const tagged = (name: string) => name.includes(`_${tag}_`);
  const client = new MilvusClient({
    address,
    // Each call's deadline: a Milvus that went away fails the run's end instead of hanging it.
    timeout: 30_000,
    // The SDK's heartbeats: Milvus Lite does not implement them.
    telemetry: { enabled: false },
    logLevel: 'error',
  });
  try {
    let dropped = 0;
    const databases = await client.listDatabases();
    check(databases.status, 'listDatabases');
    for (const database of databases.db_names) {
      const collections = await client.showCollections({ db_name: database });
      check(collections.status, `showCollections in ${database}`);
      for (const { name } of collections.data) {
        // All of a tagged database's collections: Milvus drops only an empty database.
        if (!tagged(name) && !tagged(database)) continue;
        check(
          await client.dropCollection({ db_name: database, collection_name: name }),
          `dropCollection ${name}`,
        );
        dropped++;
      }
      if (tagged(database)) {
        check(await client.dropDatabase({ db_name: database }), `dropDatabase ${database}`);
        dropped++;
      }
    }
    return dropped;
  } finally {
    await client.closeConnection();
  }
}

/** The SDK answers a failed call with a status rather than an error. */
function check(status: ResStatus, operation: string): void {
  if (status.error_code !== 'Success') throw new Error(`Milvus ${operation} failed: ${status.reason}`);
}
