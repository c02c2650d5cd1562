const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};

/** pino's own fields and Fastify's request fields, shown in their own way or not at all. */
const HIDDEN = new Set([
  'level',
  'time',
  'pid',
  'hostname',
  'msg',
  'reqId',
  'req',
  'res',
  'err',
  'responseTime',
]);

/**
 * One child output line for a terminal: a pino JSON line becomes `LEVEL msg key=value …`
 * (request lines as `GET /x -> 200 3ms`, errors with their message); anything else as is.
 */
export function formatLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof entry.level !== 'number' || typeof entry.msg !== 'string') return line;
  const parts = [LEVELS[entry.level] ?? String(entry.level), entry.msg];
  const request = entry.req as { method?: string; url?: string } | undefined;
  const reply = entry.res as { statusCode?: number } | undefined;
  if (request?.method) parts.push(`${request.method} ${request.url ?? ''}`);
  if (reply?.statusCode !== undefined) {
    const ms = typeof entry.responseTime === 'number' ? ` ${Math.round(entry.responseTime)}ms` : '';
    parts.push(`-> ${reply.statusCode}${ms}`);
  }
  for (const [key, value] of Object.entries(entry)) {
    if (HIDDEN.has(key) || value === null || value === undefined) continue;
    parts.push(`${key}=${compact(value)}`);
  }
  const error = entry.err as { type?: string; message?: string } | undefined;
  if (error?.message) parts.push(`| ${error.type ?? 'Error'}: ${error.message}`);
  return parts.join(' ');
}

/** True for the request lines of the launcher's own progress polling, which only add noise. */
export function isLauncherRequest(line: string, requestIdPrefix: string): boolean {
  return line.includes(`"reqId":"${requestIdPrefix}`);
}

function compact(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
