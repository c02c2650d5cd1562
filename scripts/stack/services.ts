export type ServiceKey = 'user' | 'catalog' | 'recommendation';

export type ServiceState = 'healthy' | 'ready';

export interface ServiceSpec {
  key: ServiceKey;
  /** Shown as the output prefix. */
  name: string;
  /** Folder under the repository root; the process runs there. */
  dir: string;
  /** Entry file, relative to `dir`, run with tsx. */
  entry: string;
  defaultPort: number;
  /** The .env variable that chooses this service's port (the child gets it as PORT). */
  portVariable: string;
  /** The variable the other services find this one by. */
  urlVariable: string;
  /** What must be true of other services before this one starts. */
  startAfter: { service: ServiceKey; state: ServiceState }[];
}

/**
 * The three services and their start order. Readiness depends on other services
 * (catalog's /readyz on user-service, recommendation's possibly on catalog), so nothing waits
 * for a readiness that could wait back on it:
 * - user-service and recommendation-service start at once: neither needs another service to
 *   start, and the recommendation service's start-up (loading the model) is the slowest.
 * - catalog-service starts once user-service is ready (its import checks customers) and the
 *   recommendation service answers /healthz, so the first product deliveries of its outbox
 *   find a listener. It listens while it still loads (model, vectors, statistics) and answers
 *   them 503 until then: the outbox backs off (0.5 s, doubling) and delivers once it is loaded.
 * Every /readyz is awaited at the end.
 */
export const SERVICES: readonly ServiceSpec[] = [
  {
    key: 'user',
    name: 'user-service',
    dir: 'user-service',
    entry: 'src/server.ts',
    defaultPort: 8101,
    portVariable: 'USER_SERVICE_PORT',
    urlVariable: 'USER_SERVICE_URL',
    startAfter: [],
  },
  {
    key: 'recommendation',
    name: 'recommendation-service',
    dir: 'recommendation-service',
    entry: 'src/server.ts',
    defaultPort: 8121,
    portVariable: 'RECOMMENDATION_SERVICE_PORT',
    urlVariable: 'RECOMMENDATION_SERVICE_URL',
    startAfter: [],
  },
  {
    key: 'catalog',
    name: 'catalog-service',
    dir: 'catalog-service',
    entry: 'src/server.ts',
    defaultPort: 8111,
    portVariable: 'CATALOG_SERVICE_PORT',
    urlVariable: 'CATALOG_SERVICE_URL',
    startAfter: [
      { service: 'user', state: 'ready' },
      { service: 'recommendation', state: 'healthy' },
    ],
  },
];
