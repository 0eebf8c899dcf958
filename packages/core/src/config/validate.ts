import { basename, dirname, extname } from 'node:path';
import type { Ajv, ValidateFunction } from 'ajv';
import { PluginLoadError, type ConfigIssue } from '../errors.js';
import type { LimiterSpec, ResolvedPipeline, ResolvedStep } from '../pipeline/types.js';
import type { ConfigProblem, DataRecord, Plugin, PluginKind, RetryOptions } from '../plugins/types.js';
import { checkAgainstSchema, compileSchema, sharedAjv, type SchemaCheck } from './ajv.js';
import { parseDuration } from './duration.js';
import { pipelineEnvelopeSchema } from './envelope-schema.js';
import { issueAt } from './issues.js';
import { suggestion } from './levenshtein.js';
import { cloneData, isPlainObject, parsePath, setByPath } from './paths.js';
import { collectSecrets } from './secrets.js';
import type { DocPath, LoadedPipeline, PluginResolver, SourceMap } from './types.js';
import { checkWiring, stepInputs } from './wiring.js';

export interface ValidationResult {
  /** Every problem found, loading issues included. The pipeline is only fit to run when this is empty. */
  issues: ConfigIssue[];
  /** The pipeline as far as it could be resolved (every step, when there are no issues). */
  pipeline: ResolvedPipeline;
  /** Steps whose plugin was deliberately not imported (`--schemas-only`), so their config was not checked. */
  notImported: Array<{ step: string; use: string }>;
}

const ajv = (): Ajv => sharedAjv();

/**
 * Checks a loaded pipeline without connecting to anything: the envelope schema, each step's plugin (resolved by
 * `use:`) and its `config` against the plugin's `configSchema` (defaults applied) and then the plugin's own
 * `checkConfig` (templates, patterns), the wiring between steps and limiter references. Collects every issue rather than stopping at the first.
 */
export async function validatePipeline(loaded: LoadedPipeline, resolver: PluginResolver): Promise<ValidationResult> {
  const issues = [...loaded.issues];
  const pipeline: ResolvedPipeline = {
    name: basename(loaded.file, extname(loaded.file)),
    file: loaded.file,
    ...(loaded.profile === undefined ? {} : { profile: loaded.profile }),
    steps: [],
    limiters: {},
    secrets: [],
  };
  const notImported: ValidationResult['notImported'] = [];
  if (!loaded.doc) return { issues, pipeline, notImported };
  const map = loaded.sourceMap;
  const base = { map, interpolated: loaded.interpolated, quiet: loaded.unsetPaths };

  /* Pass 1: the envelope. */
  const doc = cloneData(loaded.doc);
  issues.push(
    ...checkAgainstSchema(compileSchema(ajv, pipelineEnvelopeSchema, 'envelope'), doc, { ...base, prefix: [] }),
  );
  if (typeof doc.name === 'string') pipeline.name = doc.name;
  const settings = isPlainObject(doc.settings) ? doc.settings : {};
  if (typeof settings.batchSize === 'number') pipeline.batchSize = settings.batchSize;
  const limiters = isPlainObject(doc.limiters) ? doc.limiters : {};
  for (const [name, spec] of Object.entries(limiters)) {
    const limiter = toLimiter(spec);
    if (limiter) pipeline.limiters[name] = limiter;
  }

  /* Pass 2: each step's plugin and config. */
  const steps = isPlainObject(doc.steps) ? doc.steps : {};
  const kinds = new Map<string, PluginKind>();
  const resolved = new Map<string, ResolvedStep>();
  const secrets = new Set<string>();
  for (const [name, step] of Object.entries(steps)) {
    if (!isPlainObject(step) || typeof step.use !== 'string' || step.use === '') continue;
    const usePath = ['steps', name, 'use'];
    let plugin: Plugin;
    let from: string;
    try {
      ({ plugin, from } = await resolver.resolve(step.use, dirname(loaded.file)));
    } catch (error) {
      // `etl validate --schemas-only` (plugins/schemas-only.ts): not a problem, but the config goes unchecked.
      if (error instanceof PluginLoadError && error.code === 'PLUGIN_NOT_IMPORTED')
        notImported.push({ step: name, use: step.use });
      else issues.push(pluginIssue(error, map.valueAt(usePath), usePath, step.use));
      continue;
    }
    kinds.set(name, plugin.kind);
    const configPath = ['steps', name, 'config'];
    if (step.config !== undefined && !isPlainObject(step.config)) continue; // the envelope said so
    const config: DataRecord = isPlainObject(step.config) ? cloneData(step.config) : {};
    try {
      const validate = compileSchema(ajv, plugin.configSchema);
      const schemaIssues = checkAgainstSchema(validate, config, { ...base, prefix: configPath });
      issues.push(...schemaIssues);
      // What a schema cannot say (template syntax, regular expressions); only on a config the schema accepted, but
      // not only after every schema error is fixed: without its rejected values, the rest of the config is checked.
      if (typeof plugin.checkConfig === 'function') {
        const checkable =
          schemaIssues.length === 0
            ? config
            : withoutRejected(validate, config, schemaIssues, { ...base, prefix: configPath });
        if (checkable) issues.push(...pluginConfigIssues(plugin, checkable, configPath, map));
      }
    } catch (error) {
      issues.push(
        issueAt(
          map.valueAt(usePath),
          usePath,
          `plugin "${plugin.name}" has an invalid configSchema: ${(error as Error).message}`,
          'this is a bug in the plugin; report it to its authors',
        ),
      );
      continue;
    }
    for (const secret of collectSecrets(plugin.configSchema, config, configPath, loaded.interpolated))
      secrets.add(secret);

    if (typeof step.limiter === 'string' && !(step.limiter in limiters)) {
      const path = ['steps', name, 'limiter'];
      issues.push(
        issueAt(
          map.valueAt(path),
          path,
          `no limiter named "${step.limiter}"`,
          suggestion(step.limiter, Object.keys(limiters), 'limiters'),
        ),
      );
    }
    resolved.set(name, {
      name,
      kind: plugin.kind,
      use: step.use,
      from,
      plugin,
      config,
      inputs: stepInputs(step),
      ...(typeof step.limiter === 'string' ? { limiter: step.limiter } : {}),
      ...(typeof step.batchSize === 'number' ? { batchSize: step.batchSize } : {}),
      ...(isPlainObject(step.retry) ? { retry: toRetry(step.retry) } : {}),
    });
  }

  /* Pass 3: wiring, then topological order. */
  const wiring = checkWiring(steps, kinds, map);
  issues.push(...wiring.issues);
  pipeline.steps = wiring.order.flatMap((name) => resolved.get(name) ?? []);
  pipeline.secrets = [...secrets];
  return { issues, pipeline, notImported };
}

/**
 * A copy of `config` without the values its schema rejected (their defaults come back), when that copy passes the
 * schema; otherwise undefined. Values inside lists are not removed (the items after them would move, and problems
 * `checkConfig` reports about them would point at the wrong item), nor required ones: such configs are not checked.
 */
function withoutRejected(
  validate: ValidateFunction,
  config: DataRecord,
  rejected: ConfigIssue[],
  check: SchemaCheck,
): DataRecord | undefined {
  const pruned = cloneData(config);
  for (const issue of rejected) {
    let local: DocPath;
    try {
      local = parsePath(issue.path).slice(check.prefix.length);
    } catch {
      return undefined;
    }
    if (local.length === 0 || typeof local[local.length - 1] === 'number') return undefined;
    setByPath(pruned, local, undefined);
  }
  return checkAgainstSchema(validate, pruned, check).length === 0 ? pruned : undefined;
}

/** Runs a plugin's `checkConfig` and locates each problem at its path in the YAML (else the nearest node above it). */
function pluginConfigIssues(plugin: Plugin, config: DataRecord, configPath: DocPath, map: SourceMap): ConfigIssue[] {
  let problems: ConfigProblem[];
  try {
    problems = plugin.checkConfig!(config);
  } catch (error) {
    const message = `plugin "${plugin.name}" failed to check its config: ${(error as Error)?.message ?? String(error)}`;
    return [
      issueAt(map.valueAt(configPath), configPath, message, 'this is a bug in the plugin; report it to its authors'),
    ];
  }
  if (!Array.isArray(problems)) return [];
  return problems.map((problem) => {
    let local: DocPath;
    try {
      local = problem.path ? parsePath(problem.path) : [];
    } catch {
      local = [];
    }
    const path = [...configPath, ...local];
    return issueAt(map.valueAt(path), path, String(problem.message));
  });
}

function pluginIssue(
  error: unknown,
  location: { file: string; line: number; col: number },
  path: string[],
  use: string,
): ConfigIssue {
  if (
    error instanceof PluginLoadError &&
    error.code === 'PLUGIN_NOT_FOUND' &&
    Array.isArray(error.context.candidates)
  ) {
    const candidates = error.context.candidates as string[];
    const similar =
      typeof error.context.similar === 'string'
        ? `did you mean the built-in \`${error.context.similar}\`? Otherwise `
        : '';
    const [first, ...others] = candidates.filter((candidate) => candidate !== use || use.includes('/'));
    const more = others.length > 0 ? ` (or ${others.join(', ')})` : '';
    return issueAt(
      location,
      path,
      `unknown plugin "${use}" (tried ${candidates.join(', ')})`,
      `${similar}install it: pnpm add ${first}${more}, or use a path like ./plugins/${use}.js`,
    );
  }
  if (error instanceof PluginLoadError) return issueAt(location, path, error.message, error.suggestions[0]);
  return issueAt(
    location,
    path,
    `plugin "${use}" could not be resolved: ${(error as Error)?.message ?? String(error)}`,
  );
}

const safeDuration = (value: unknown): number | undefined => {
  try {
    return value === undefined ? undefined : parseDuration(value as string | number);
  } catch {
    return undefined;
  }
};

function toLimiter(spec: unknown): LimiterSpec | undefined {
  if (!isPlainObject(spec) || typeof spec.max !== 'number') return undefined;
  const intervalMs = safeDuration(spec.per);
  if (intervalMs === undefined) return undefined;
  return {
    max: spec.max,
    intervalMs,
    maxConcurrent: typeof spec.maxConcurrent === 'number' ? spec.maxConcurrent : 10,
    ...(typeof spec.daily === 'number' ? { daily: spec.daily } : {}),
    ...(typeof spec.store === 'string' ? { store: spec.store } : {}),
    ...(typeof spec.key === 'string' ? { key: spec.key } : {}),
  };
}

function toRetry(retry: Record<string, unknown>): RetryOptions {
  const out: RetryOptions = {};
  if (typeof retry.attempts === 'number') out.attempts = retry.attempts;
  const maxElapsedMs = safeDuration(retry.maxElapsed);
  const baseDelayMs = safeDuration(retry.baseDelay);
  const maxDelayMs = safeDuration(retry.maxDelay);
  if (maxElapsedMs !== undefined) out.maxElapsedMs = maxElapsedMs;
  if (baseDelayMs !== undefined) out.baseDelayMs = baseDelayMs;
  if (maxDelayMs !== undefined) out.maxDelayMs = maxDelayMs;
  return out;
}
