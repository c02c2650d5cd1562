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
  // The line's prefix already names the service.
  'service',
  'msg',
  'reqId',
  'req',
  'res',
  'err',
  'responseTime',
]);

/**
 * One child output line for a terminal: a pino JSON line becomes
 * `HH:MM:SS.mmm LEVEL [request id] msg key=value …` (request lines as `GET /x -> 200 3ms`,
 * errors with their message); anything else as is. The service name is the caller's prefix.
 * The request id is the caller's `x-request-id` when it sent one, and the services send it on:
 * grep for it to follow one request through the three services.
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
  const parts = [clock(entry.time), LEVELS[entry.level] ?? String(entry.level)];
  if (typeof entry.reqId === 'string') parts.push(`[${entry.reqId}]`);
  parts.push(entry.msg);
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

/** Local wall-clock time of a pino line (epoch milliseconds), to the millisecond. */
function clock(time: unknown): string {
  const date = typeof time === 'number' ? new Date(time) : new Date();
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function compact(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
