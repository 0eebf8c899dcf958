/**
 * Module resolution hooks (`module.register`, run on Node's loader thread) that lend this `@etl/core` to the plugins
 * it loads: a plugin installed in the user's project (or globally) takes `@etl/core` as a peer dependency, and its
 * `import '@etl/core'` must get the very copy the runtime uses, whether the project holds no copy or another one.
 * `@etl/core` and its subpaths resolve as if imported from inside this package; nothing else is touched.
 */
import type { ResolveHookContext } from 'node:module';

interface LendData {
  /** A module of this package: `@etl/core` resolves from there to this package itself. */
  parentURL: string;
}

type NextResolve = (specifier: string, context?: Partial<ResolveHookContext>) => Promise<{ url: string }>;

let coreURL: string | undefined;

export async function initialize(data: LendData): Promise<void> {
  coreURL = data.parentURL;
}

export async function resolve(
  specifier: string,
  context: ResolveHookContext,
  next: NextResolve,
): Promise<{ url: string }> {
  if (coreURL !== undefined && (specifier === '@etl/core' || specifier.startsWith('@etl/core/'))) {
    return next(specifier, { ...context, parentURL: coreURL });
  }
  return next(specifier, context);
}
