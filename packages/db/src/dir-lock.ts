import { open, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Directories this process holds, so a second open of the same folder fails fast too. */
const heldHere = new Set<string>();

/**
 * One process owns a data folder (an embedded database, a vector index): a second writer would
 * corrupt the files, or hand out the same ids and lose one side's writes. A `LOCK` file
 * with the owner's pid, taken over when that process is gone (crash, kill -9). Pids are only
 * checked on this host: best effort across machines sharing a volume.
 */
export async function lockDirectory(directory: string): Promise<() => Promise<void>> {
  const dir = path.resolve(directory);
  if (heldHere.has(dir)) throw new Error(`${dir} is already open in this process`);
  const file = path.join(dir, 'LOCK');
  try {
    const handle = await open(file, 'wx');
    await handle.writeFile(String(process.pid));
    await handle.close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
      throw new Error(
        `${dir} is in use by process ${owner}: another start on the same DATA_DIR? One process owns it (remove ${file} if that process is not ours)`,
      );
    }
    await writeFile(file, String(process.pid));
  }
  heldHere.add(dir);
  return async () => {
    heldHere.delete(dir);
    await unlink(file).catch(() => {});
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
