// Creates an empty PGlite cluster in the folder given as the only argument, then exits.
// Run as a child process by open-database.ts: initdb grows PGlite's WebAssembly memory to
// ~700 MiB, which a process never gives back; in a child it is gone when the child exits.
import { PGlite } from '@electric-sql/pglite';

const db = await PGlite.create(process.argv[2]);
await db.query('SELECT 1');
await db.close();
