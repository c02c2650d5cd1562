import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * One streaming pass in constant memory: the content's sha256 (hex) and its number of line
 * breaks (an upper bound for the CSV's last line number, minus one).
 */
export async function fingerprint(path: string): Promise<{ checksum: string; lineBreaks: number }> {
  const hash = createHash('sha256');
  let lineBreaks = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) lineBreaks++;
  }
  return { checksum: hash.digest('hex'), lineBreaks };
}
