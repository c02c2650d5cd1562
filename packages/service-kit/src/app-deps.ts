import type { App } from './create-server.js';

/**
 * A service app with the dependencies its route plugins were given. Each service passes its
 * `Deps` to its route plugins as their options (typed, no global `declare module 'fastify'`,
 * so the three services can be imported into one program); tests and benchmarks read them
 * from `app.deps`.
 */
export type AppWith<Deps extends object> = App & { readonly deps: Deps };

export function withDeps<Deps extends object>(app: App, deps: Deps): AppWith<Deps> {
  app.decorate<object>('deps', deps);
  return app as AppWith<Deps>;
}
