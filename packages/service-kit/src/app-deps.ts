import type { App } from './create-server.js';

/**
 * A service app with its route plugins' dependencies, which tests and benchmarks read. Passed as
 * plugin options, not a global `declare module 'fastify'`: the three services share one program.
 */
export type AppWith<Deps extends object> = App & { readonly deps: Deps };

export function withDeps<Deps extends object>(app: App, deps: Deps): AppWith<Deps> {
  app.decorate<object>('deps', deps);
  return app as AppWith<Deps>;
}
