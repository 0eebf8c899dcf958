import { EtlError, FatalError, PluginLoadError } from '../errors.js';
import type { ResolvedStep } from '../pipeline/types.js';
import { PLUGIN_HOOKS } from '../plugins/hooks.js';

const FORMS: Record<ResolvedStep['kind'], string> = {
  source: 'defineSource({ name, configSchema, async *read(ctx, config, from) { yield { records, position } } })',
  transform: 'defineTransform({ name, configSchema, create(ctx, config) { return (record, ref) => record } })',
  sink: 'defineSink({ name, configSchema, async write(ctx, config, batch) { return { written: batch.records.length } } })',
};

/**
 * Checks that a step's plugin object has the shape its kind requires, before any hook runs, so a broken plugin fails
 * with the form it must take instead of "x is not a function" halfway through a run.
 */
export function assertPluginShape(step: ResolvedStep): void {
  const plugin = step.plugin as unknown as Record<string, unknown> | undefined;
  const problems: string[] = [];
  if (!plugin || typeof plugin !== 'object') problems.push('it is not an object');
  else {
    if (typeof plugin.name !== 'string' || plugin.name === '') problems.push('`name` must be a non-empty string');
    if (plugin.kind !== step.kind)
      problems.push(`\`kind\` is ${JSON.stringify(plugin.kind)} but the step needs a ${step.kind}`);
    for (const [hook, need] of Object.entries(PLUGIN_HOOKS[step.kind] ?? {})) {
      const required = need === 'required';
      const value = plugin[hook];
      if (required && typeof value !== 'function') problems.push(`\`${hook}\` must be a function`);
      if (!required && value !== undefined && typeof value !== 'function')
        problems.push(`\`${hook}\`, when present, must be a function`);
    }
    if (
      step.kind === 'sink' &&
      plugin.batchSize !== undefined &&
      typeof plugin.batchSize !== 'number' &&
      typeof plugin.batchSize !== 'function'
    ) {
      problems.push('`batchSize`, when present, must be a number or a function of the config');
    }
  }
  if (problems.length > 0) {
    throw new PluginLoadError(
      `Invalid plugin "${step.use}" (from ${step.from}) for step "${step.name}": ${problems.join('; ')}.`,
      {
        code: 'PLUGIN_INVALID',
        context: { step: step.name, plugin: step.use, from: step.from },
        suggestions: [`A ${step.kind} plugin is written as ${FORMS[step.kind]}.`],
      },
    );
  }
}

/** Where an error passed through the runtime. */
export interface ErrorSite {
  step: string;
  plugin: string;
  hook: string;
  seq?: number;
  index?: number;
  location?: string;
}

/**
 * Attaches where an error happened (plugin, step, hook, batch) to it. EtlErrors keep their class and message; anything
 * else (a TypeError in a plugin, a driver error) becomes a FatalError with the original as `cause`.
 */
export function wrapError(error: unknown, site: ErrorSite): EtlError {
  if (error instanceof EtlError) {
    const context = error.context as Record<string, unknown>;
    for (const [key, value] of Object.entries(site))
      if (value !== undefined && context[key] === undefined) context[key] = value;
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new FatalError(`Plugin "${site.plugin}" failed in ${site.hook}() of step "${site.step}": ${message}`, {
    code: 'PLUGIN_ERROR',
    cause: error,
    context: { ...site },
    suggestions: [
      'The plugin threw an unexpected error; the log file has the details.',
      'If it persists, report it to the plugin author with the run log.',
    ],
  });
}

/** Times for each step, in ms, summed over every hook call (and the record loop for transforms). */
export type StepTimer = { durationMs: number };

/**
 * Calls one plugin hook: times it into `timer` and routes any failure through `wrapError`. Every hook call of the
 * runtime goes through here (the per-record transform function is timed per batch by the flow instead).
 */
export async function invoke<T>(site: ErrorSite, timer: StepTimer, call: () => T | Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await call();
  } catch (error) {
    throw wrapError(error, site);
  } finally {
    timer.durationMs += performance.now() - started;
  }
}

/** A short description of an unexpected value for error messages (never the value itself: it may hold secrets). */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object'
    ? `an object with keys ${Object.keys(value).slice(0, 5).join(', ') || '(none)'}`
    : `a ${typeof value}`;
}
