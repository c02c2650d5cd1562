import { createServer } from '../src/index.js';

/** A test server whose log lines are kept, parsed, in `lines`: for tests of what is logged. */
export async function loggedServer() {
  const lines: Record<string, unknown>[] = [];
  const app = await createServer({
    name: 'test-service',
    description: 'test',
    logger: { level: 'info', stream: { write: (line) => lines.push(JSON.parse(line)) } },
  });
  return { app, lines };
}
