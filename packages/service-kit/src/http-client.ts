import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, errors as undiciErrors } from 'undici';
import type { z } from 'zod';
import { TIMEOUT_HEADER } from './deadline.js';
import {
  BadGatewayError,
  CallerDeadlineError,
  HttpError,
  NOT_FOUND_DETAIL,
  ServiceUnavailableError,
} from './errors.js';

export interface JsonClientOptions {
  /** Name of the downstream service, used in error details: "user-service is unavailable". */
  name: string;
  baseUrl: string;
  /** Per-attempt deadline for connecting and for the whole answer; sent as TIMEOUT_HEADER. */
  timeoutMs?: number;
  /** Extra attempts for GETs after a network error or a 5xx; the first backoff, doubling, jittered. */
  retries?: number;
  backoffMs?: number;
  connections?: number;
  headers?: Record<string, string>;
}

/** The request a call is made for (a FastifyRequest will do). */
export interface CallerRequest {
  /** Sent on as x-request-id. */
  id?: string | undefined;
  /**
   * When it stops waiting (epoch ms, `request.deadline`): attempts are cut to it and no retry
   * starts past it, so the failure is answered while it listens. A timeout it cut short is
   * answered as that caller's deadline, not as this service being down.
   */
  deadline?: number | undefined;
}

interface RequestOptions<T> {
  schema?: z.ZodType<T>;
  /**
   * Status codes answered as `null` instead of an error (typically 404), when the answer is the
   * downstream's own "<Thing> <id> not found" (`found()`). The same status with any other body
   * (a proxy's, an old deploy's, a wrong URL's) is an UpstreamStatusError: it says nothing
   * about the thing asked for.
   */
  nullOn?: number[];
  caller?: CallerRequest | undefined;
  /** Ends the call early (a stop); each attempt's own timeout still applies. */
  signal?: AbortSignal;
}

/** A non-2xx answer the caller did not ask to receive as null. */
export class UpstreamStatusError extends HttpError {
  constructor(
    readonly upstream: string,
    readonly upstreamStatus: number,
    readonly upstreamDetail: unknown,
    /** A 503's `Retry-After` in seconds (a still-loading or busy peer): passed on with it. */
    retryAfterSeconds?: number,
  ) {
    // A 4xx from downstream means we sent something it rejects: a bug on our side or a
    // race, so the caller sees 502 unless it maps the status itself. A 503 is passed on with
    // its reason: it names the dependency that is really down ("user-service is unavailable").
    const unavailable = upstreamStatus === 503;
    const reason = unavailable ? detailText(upstreamDetail) : '';
    const answered = `${upstream} answered ${upstreamStatus}`;
    super(unavailable ? 503 : 502, reason ? `${answered}: ${reason}` : answered, {
      retryAfterSeconds: unavailable ? retryAfterSeconds : undefined,
    });
  }
}

/**
 * A typed JSON client over one undici Pool per downstream service: explicit timeouts, bounded
 * retries with exponential backoff for GETs, errors mapped to 503 (unreachable/timeout) or 502.
 */
export class JsonClient {
  private readonly pool: Pool;
  private readonly timeoutMs: number;

  constructor(private readonly options: JsonClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.pool = new Pool(options.baseUrl, {
      connections: options.connections ?? 32,
      connectTimeout: this.timeoutMs,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      keepAliveTimeout: 10_000,
    });
  }

  get<T>(path: string, options: RequestOptions<T> = {}): Promise<T | null> {
    return this.request('GET', path, undefined, options);
  }

  post<T>(path: string, body: unknown, options: RequestOptions<T> = {}): Promise<T | null> {
    return this.request('POST', path, body, options);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async request<T>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    options: RequestOptions<T>,
  ): Promise<T | null> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.caller?.id) headers['x-request-id'] = options.caller.id;
    const json = body === undefined ? null : JSON.stringify(body);
    // Only GETs are retried: a POST may have been applied before the error.
    const attempts = method === 'GET' ? (this.options.retries ?? 2) + 1 : 1;
    const backoffMs = this.options.backoffMs ?? 50;
    const deadline = options.caller?.deadline ?? Number.POSITIVE_INFINITY;
    let lastError: unknown;
    // Whether the caller's deadline, not this client's own timeout, limited the last attempt.
    let cutByDeadline = false;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const delay = attempt > 0 ? backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random()) : 0;
      const timeoutMs = Math.floor(Math.min(this.timeoutMs, deadline - Date.now() - delay));
      // Past the deadline nobody waits for the answer: no attempt, or no retry, starts.
      if (timeoutMs <= 0) {
        if (lastError === undefined) cutByDeadline = true;
        lastError ??= new DOMException('no time left before the deadline', 'TimeoutError');
        break;
      }
      cutByDeadline = timeoutMs < this.timeoutMs;
      if (delay > 0) await sleep(delay);
      try {
        const timeout = AbortSignal.timeout(timeoutMs);
        const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
        headers[TIMEOUT_HEADER] = String(timeoutMs);
        const response = await this.pool.request({ method, path, headers, body: json, signal });
        const text = await response.body.text();
        const payload = text.length > 0 ? safeJson(text) : undefined;
        if (response.statusCode >= 200 && response.statusCode < 300) {
          if (!options.schema) return payload as T;
          const parsed = options.schema.safeParse(payload);
          if (parsed.success) return parsed.data;
          throw new BadGatewayError(`${this.options.name} answered with an unexpected shape`);
        }
        if (options.nullOn?.includes(response.statusCode) && NOT_FOUND_DETAIL.test(detailText(payload)))
          return null;
        const seconds = retryAfterSeconds(response.headers['retry-after']);
        throw new UpstreamStatusError(this.options.name, response.statusCode, payload, seconds);
      } catch (error) {
        lastError = error;
        if (!isRetryable(error)) break;
      }
    }
    if (lastError instanceof HttpError) throw lastError;
    const reason = describeNetworkError(lastError);
    if (reason === 'timeout' && cutByDeadline) {
      throw new CallerDeadlineError(
        `${this.options.name} did not answer within the caller's deadline (${TIMEOUT_HEADER})`,
        { cause: lastError },
      );
    }
    throw new ServiceUnavailableError(`${this.options.name} is unavailable (${reason})`, {
      cause: lastError,
    });
  }
}

/** `Retry-After` as seconds: delta-seconds (ours) or an HTTP-date (a proxy's), RFC 9110 §10.2.3. */
function retryAfterSeconds(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** Network errors, timeouts and 5xx answers. */
function isRetryable(error: unknown): boolean {
  return error instanceof UpstreamStatusError ? error.upstreamStatus >= 500 : !(error instanceof HttpError);
}

function describeNetworkError(error: unknown): string {
  if (error instanceof undiciErrors.ConnectTimeoutError) return 'connect timeout';
  const { name, code } = error as { name?: string; code?: string };
  const timedOut = ['TimeoutError', 'AbortError', 'HeadersTimeoutError', 'BodyTimeoutError'];
  if (timedOut.includes(name ?? '')) return 'timeout';
  return code === 'ECONNREFUSED' ? 'connection refused' : (code ?? 'network error');
}

/** The `detail` of a `{"detail": "..."}` answer, shortened; '' for anything else. */
function detailText(payload: unknown): string {
  const detail = (payload as { detail?: unknown } | null | undefined)?.detail;
  return typeof detail === 'string' ? detail.slice(0, 300) : '';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
