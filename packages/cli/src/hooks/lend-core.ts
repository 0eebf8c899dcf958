/**
 * Module resolution hooks (`module.register`, run on Node's loader thread) that lend the CLI's own `@etl/core` to
 * every module the CLI imports: a plugin installed in the user's project (or globally) takes `@etl/core` as a peer
 * dependency, and its `import '@etl/core'` must get the very copy the runtime uses, whether or not the project holds
 * a copy of its own. Only `@etl/core` and its subpaths are redirected; everything else resolves as usual.
 */
import type { ResolveHookContext } from 'node:module';

interface LendData {
  /** A module inside the CLI package; `@etl/core` is resolved as if imported from there. */
  parentURL: string;
}

type NextResolve = (specifier: string, context?: Partial<ResolveHookContext>) => Promise<{ url: string }>;

let cliURL: string | undefined;

export async function initialize(data: LendData): Promise<void> {
  cliURL = data.parentURL;
}

export async function resolve(specifier: string, context: ResolveHookContext, next: NextResolve): Promise<{ url: string }> {
  if (cliURL !== undefined && (specifier === '@etl/core' || specifier.startsWith('@etl/core/'))) {
    return next(specifier, { ...context, parentURL: cliURL });
  }
  return next(specifier, context);
}
