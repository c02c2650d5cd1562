import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export interface FileFingerprint {
  /** sha256 of the content, hex. */
  checksum: string;
  /** Number of line breaks: an upper bound for the CSV's last line number, minus one. */
  lineBreaks: number;
}

/** One streaming pass: the content checksum and the number of lines, in constant memory. */
export async function fingerprint(path: string): Promise<FileFingerprint> {
  const hash = createHash('sha256');
  let lineBreaks = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) lineBreaks++;
  }
  return { checksum: hash.digest('hex'), lineBreaks };
}
