// Creates an empty PGlite cluster in the folder given as the first argument, then exits.
// Run as a child process by open-database.ts: initdb grows PGlite's WebAssembly memory to
// ~700 MiB, which a process never gives back; in a child it is gone when the child exits.
import { PGlite } from '@electric-sql/pglite';

// argv[3]: shared_buffers, as the service opens it (Postgres's 128 MB default would make
// initdb touch more of the memory: 738 -> 655 MiB peak measured with 16MB).
const [dataDir, sharedBuffers] = process.argv.slice(2);
const db = await PGlite.create(dataDir, {
  startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffers ?? '128MB'}`],
});
await db.query('SELECT 1');
await db.close();
