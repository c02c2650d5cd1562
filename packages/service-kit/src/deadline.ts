import type { FastifyInstance } from 'fastify';

/**
 * How long the caller waits for this answer, in ms; JsonClient sends its attempt's timeout in it.
 * A duration, not a clock time: the two hosts' clocks need not agree.
 */
export const TIMEOUT_HEADER = 'x-request-timeout-ms';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * When the calls this request makes to other services must have ended (epoch ms), from the
     * caller's TIMEOUT_HEADER; undefined when it sent none. Passed to JsonClient as `deadline`.
     */
    deadline: number | undefined;
  }
}

// The part of the caller's time kept for this service to answer once its own calls gave up
// (the rest of the handler, the 503 on the way back).
const ANSWER_SHARE = 0.1;

/**
 * Timeouts nest across hops: a service called with a timeout gives up on its own dependency in
 * time to say which one failed, instead of its caller timing out on it and blaming the wrong
 * service (docs/limits.md, "Calls between services").
 */
export function installDeadline(app: FastifyInstance): void {
  app.decorateRequest('deadline', undefined);
  app.addHook('onRequest', async (request) => {
    const given = request.headers[TIMEOUT_HEADER];
    const ms = typeof given === 'string' && /^\d{1,7}$/.test(given) ? Number(given) : 0;
    if (ms > 0) request.deadline = Date.now() + ms * (1 - ANSWER_SHARE);
  });
}
