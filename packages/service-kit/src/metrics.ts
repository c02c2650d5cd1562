import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import { OutageLog } from './outage-log.js';

// Values are read when Prometheus scrapes, never on the request path. Rows: one per label set.
type Rows = { labels: Record<string, string>; value: number }[];
type RowsReader = () => Rows | Promise<Rows>;

interface ServiceMetrics {
  readonly httpDurations: Histogram<'method' | 'route' | 'status_code'>;
  /** A gauge computed at scrape time; `null` (unknown) or a failed read is exposed as NaN. */
  gauge(name: string, help: string, read: () => number | null | Promise<number | null>): void;
  labelledGauge(name: string, help: string, labelNames: string[], read: RowsReader): void;
  /** A counter whose running totals the service keeps itself (plain numbers, read at scrape time). */
  counter(name: string, help: string, labelNames: string[], read: RowsReader): void;
  /** A service this one calls but can run without: in `dependency_up` too, probed at scrape time. */
  addDependencyProbe(name: string, probe: () => Promise<unknown>): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServiceMetrics;
  }
}

// Finer than prom-client's default buckets at the low end: a warm recommendation takes a few
// milliseconds, and the dashboard's p50/p99 are interpolated inside these buckets.
export const HTTP_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * prom-client metrics of one service: latency histograms by route pattern and status, process
 * metrics, dependency health, and `GET /metrics`. Public like `/readyz`: counts and timings only.
 */
export function installMetrics(app: FastifyInstance, serviceName: string): void {
  // One registry per app: several apps may share a process in tests or embedded mode.
  const registry = new Registry();
  registry.setDefaultLabels({ service: serviceName });
  collectDefaultMetrics({ register: registry });

  const httpDurations = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request received to response sent, by method, route pattern and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_DURATION_BUCKETS,
    registers: [registry],
  });

  const probes = new Map<string, () => Promise<unknown>>();
  const metrics: ServiceMetrics = {
    httpDurations,
    gauge(name, help, read) {
      // A value that cannot be read now (its database is down) is unknown, not a failed scrape:
      // the other metrics, dependency_up among them, say what is wrong. The log says why, once
      // per run of failures (a bug fails every scrape; an outage should not flood the log).
      const outage = new OutageLog(Number.POSITIVE_INFINITY);
      metrics.labelledGauge(name, help, [], async () => {
        let value: number | null = null;
        try {
          value = await read();
          if (outage.succeeded()) app.log.info({ metric: name }, 'metric readable again');
        } catch (err) {
          if (outage.failed())
            app.log.warn({ err, metric: name }, 'metric could not be read; exposed as NaN');
        }
        return [{ labels: {}, value: value ?? Number.NaN }];
      });
    },
    labelledGauge(name, help, labelNames, read) {
      new Gauge({ name, help, labelNames, registers: [registry], collect: rowsOf(read, 'set') });
    },
    counter(name, help, labelNames, read) {
      new Counter({ name, help, labelNames, registers: [registry], collect: rowsOf(read, 'inc') });
    },
    addDependencyProbe(name, probe) {
      probes.set(name, probe);
    },
  };
  app.decorate('metrics', metrics);

  metrics.labelledGauge(
    'dependency_up',
    'Whether each dependency of this service answers its readiness check (1) or not (0)',
    ['dependency'],
    async () => {
      const checked = Object.entries(await app.checkReadiness()).map(([dependency, state]) => ({
        labels: { dependency },
        value: state === 'ok' ? 1 : 0,
      }));
      const probed = [...probes].map(async ([dependency, probe]) => ({
        labels: { dependency },
        value: await probe()
          .then(() => 1)
          .catch(() => 0),
      }));
      return [...checked, ...(await Promise.all(probed))];
    },
  );

  // The hot path pays one Map lookup and one bucket increment per request: the labelled
  // child is created once per (method, route, status).
  const children = new Map<string, ReturnType<typeof httpDurations.labels>>();
  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, never the raw URL: ids in paths would make every customer a series.
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let child = children.get(key);
    if (!child) {
      child = httpDurations.labels(request.method, route, String(reply.statusCode));
      children.set(key, child);
    }
    child.observe(reply.elapsedTime / 1000);
    done();
  });

  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'getMetrics',
        tags: ['health'],
        summary: 'Prometheus metrics (text exposition format 0.0.4)',
        description:
          'Request counts and latency histograms by route and status, process metrics, dependency ' +
          'health and service-specific gauges. Public: counts and timings only, no personal data.',
        response: {
          200: {
            description: 'Prometheus text format',
            content: {
              'text/plain': {
                schema: z.string().meta({
                  example:
                    '# HELP http_requests_total Requests answered\n# TYPE http_requests_total counter\nhttp_requests_total{method="GET",route="/customer/:id",status_code="200"} 42\n',
                }),
              },
            },
          },
        },
      },
      logLevel: 'warn',
    },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
}

/** A collect() that replaces the metric's values with the rows read. */
function rowsOf(read: RowsReader, method: 'set' | 'inc') {
  return async function (this: Gauge | Counter) {
    const rows = await read();
    this.reset();
    for (const row of rows) (this as Gauge)[method](row.labels, row.value);
  };
}
