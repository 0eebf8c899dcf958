import { register } from 'node:module';

/**
 * Registers the hooks of `hooks/lend-core.ts`, so plugins the CLI loads share its `@etl/core` (see there). Called by
 * `bin/run.js` before any command runs; a process that embeds the CLI may call it too.
 */
export function lendCore(): void {
  register(new URL('./hooks/lend-core.js', import.meta.url), { data: { parentURL: import.meta.url } });
}
