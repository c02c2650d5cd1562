import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Log } from '../../src/log.js';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

export function recordingLog(): Log & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    debug: (obj, msg) => lines.push({ level: 'debug', obj, msg }),
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  };
}

export function norm(vector: Float32Array): number {
  let sum = 0;
  for (const value of vector) sum += value * value;
  return Math.sqrt(sum);
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/**
 * A stand-in for the model hub on 127.0.0.1, so the offline paths are tested the same on a
 * machine with internet: `hang` accepts requests and never answers (a firewall that drops
 * packets), `missing` answers 404 to everything (an id that does not exist), `serve` answers
 * every model id's `/<id>/resolve/main/<file>` with that file of `modelDir`.
 */
export async function fakeHub(
  mode: 'hang' | 'missing' | 'serve',
  modelDir?: string,
): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    if (mode === 'missing') response.writeHead(404).end('Entry not found');
    if (mode !== 'serve' || !modelDir) return;
    const file = /\/resolve\/main\/(.+)$/.exec(request.url ?? '')?.[1];
    readFile(`${modelDir}/${file}`).then(
      (body) =>
        response
          .writeHead(200, { 'content-length': body.length })
          .end(request.method === 'HEAD' ? undefined : body),
      () => response.writeHead(404).end('Entry not found'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
