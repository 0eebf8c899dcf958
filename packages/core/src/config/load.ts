import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { interpolateEnv } from './interpolate.js';
import { dropForbiddenKeys, findForbiddenKeys, FORBIDDEN_KEY_HINT, isForbiddenKey } from './forbidden-keys.js';
import { issueAt } from './issues.js';
import { mergeInto } from './merge.js';
import { cloneData, getByPath, isPlainObject, parsePath, pathKey, setByPath } from './paths.js';
import { defaultsLocations, DocSourceMap, mapDocument } from './source-map.js';
import type { LoadedPipeline, LoadPipelineOptions, SourceLocation } from './types.js';
import { stepInputs } from './wiring.js';

/**
 * Reads a pipeline file and applies, in order: project defaults (under it), the profile, each `--set`, each
 * `--skip`, then `${env:…}` interpolation. Never throws for problems in the file: they come back as `issues`,
 * all of them, each with a position. Throws a ConfigError only when the file cannot be read.
 */
export async function loadPipeline(file: string, options: LoadPipelineOptions = {}): Promise<LoadedPipeline> {
  const absolute = resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `Cannot read pipeline file ${absolute}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      [],
      {
        code: 'CONFIG_FILE_UNREADABLE',
        suggestions: ['Check the path, or run `etl validate` to list the pipelines of this project.'],
        cause: error,
      },
    );
  }
  return loadPipelineText(text, absolute, options);
}

/** `loadPipeline` on text already read (tests, editors). `file` is used for positions only. */
export function loadPipelineText(text: string, file: string, options: LoadPipelineOptions = {}): LoadedPipeline {
  const issues: ConfigIssue[] = [];
  const lineCounter = new LineCounter();
  const parsed = parseDocument(text, { lineCounter, prettyErrors: false });
  const empty = (): LoadedPipeline => ({
    file,
    doc: undefined,
    profile: options.profile,
    sourceMap: new DocSourceMap({ file, line: 1, col: 1 }),
    issues,
    unsetEnv: [],
    unsetIssues: [],
    interpolated: new Map(),
    unsetPaths: new Set(),
  });

  /* YAML syntax: report every error with its own position; nothing else can be checked reliably after one. */
  if (parsed.errors.length > 0) {
    for (const error of parsed.errors) {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      issues.push(issueAt({ file, line, col }, '', `YAML syntax error: ${error.message.split('\n')[0]}`));
    }
    return empty();
  }
  const data: unknown = parsed.toJS();
  if (!isPlainObject(data)) {
    issues.push(
      issueAt(
        { file, line: 1, col: 1 },
        '',
        'a pipeline must be a YAML mapping',
        'start with `version: 1` and `steps:`',
      ),
    );
    return empty();
  }
  const fileMap = mapDocument(parsed, lineCounter, file);
  /* `__proto__:` and friends, anywhere in the file (profiles included): reported, then dropped before any merge. */
  for (const path of findForbiddenKeys(data)) issues.push(forbiddenKeyIssue(fileMap.keyAt(path), path));
  dropForbiddenKeys(data);

  /* Project defaults under the file. */
  const doc: Record<string, unknown> = isPlainObject(options.defaults) ? cloneData(options.defaults) : {};
  const map = new DocSourceMap({ file, line: 1, col: 1 });
  if (options.defaults) {
    const located = defaultsLocations.get(options.defaults);
    if (located) map.copySubtree(located.map, located.path, []);
    else markAll(map, doc, { file: options.defaultsFile ?? file, line: 1, col: 1 });
    // The document itself (missing keys at the top) belongs to the pipeline file, not the project config.
    map.set([], { file, line: 1, col: 1 });
  }
  mergeInto(doc, data, map, fileMap, []);

  /* The profile, then --set, then --skip. */
  if (options.profile !== undefined) applyProfile(doc, map, options.profile, issues);
  for (const assignment of options.sets ?? []) applySet(doc, map, assignment, issues);
  applySkips(doc, map, options.skips ?? [], issues);

  /* ${env:…} in string values; unused profiles are not the run's business. */
  const { unset, interpolated } = interpolateEnv(doc, options.env ?? process.env, ['profiles']);
  const unsetIssues = unset.map((reference) =>
    issueAt(
      map.valueAt(reference.path),
      reference.path,
      `environment variable ${reference.name} is not set`,
      `set ${reference.name} in the environment or .env`,
    ),
  );
  issues.push(...unsetIssues);
  return {
    file,
    doc,
    profile: options.profile,
    sourceMap: map,
    issues,
    unsetEnv: [...new Set(unset.map((reference) => reference.name))],
    unsetIssues,
    interpolated,
    unsetPaths: new Set(unset.map((reference) => pathKey(reference.path))),
  };
}

function forbiddenKeyIssue(location: SourceLocation, path: Array<string | number>): ConfigIssue {
  const key = path.find(isForbiddenKey) ?? path[path.length - 1];
  return issueAt(location, path, `the key "${key}" is not allowed`, FORBIDDEN_KEY_HINT);
}

/** Points every value of `value` at `location` (for values whose file positions are unknown). */
function markAll(map: DocSourceMap, value: unknown, location: SourceLocation, path: Array<string | number> = []): void {
  map.set(path, location, location);
  if (Array.isArray(value)) value.forEach((item, index) => markAll(map, item, location, [...path, index]));
  else if (isPlainObject(value))
    for (const [key, item] of Object.entries(value)) markAll(map, item, location, [...path, key]);
}

function applyProfile(doc: Record<string, unknown>, map: DocSourceMap, profile: string, issues: ConfigIssue[]): void {
  const profiles = doc.profiles;
  const defined = isPlainObject(profiles) ? Object.keys(profiles) : [];
  if (!isPlainObject(profiles) || !(profile in profiles)) {
    const hint = defined.length > 0 ? `profiles defined: ${defined.join(', ')}` : 'this pipeline defines no profiles';
    issues.push(issueAt(map.keyAt(['profiles']), 'profiles', `unknown profile "${profile}"`, hint));
    return;
  }
  const overlay = profiles[profile];
  if (overlay === null) return;
  if (!isPlainObject(overlay)) {
    issues.push(
      issueAt(
        map.valueAt(['profiles', profile]),
        ['profiles', profile],
        'a profile must be a mapping of values to override',
      ),
    );
    return;
  }
  mergeInto(doc, cloneData(overlay), map, map, ['profiles', profile]);
}

function applySet(doc: Record<string, unknown>, map: DocSourceMap, assignment: string, issues: ConfigIssue[]): void {
  const equals = assignment.indexOf('=');
  // The value stays out of the label: it may be a token given on the command line.
  const location: SourceLocation = {
    file: `--set ${equals < 1 ? assignment : assignment.slice(0, equals)}`,
    line: 0,
    col: 0,
  };
  if (equals < 1) {
    issues.push(issueAt(location, '', 'expected path=value', 'e.g. --set steps.hubspot.config.limit=10'));
    return;
  }
  let path;
  try {
    path = parsePath(assignment.slice(0, equals).trim());
  } catch (error) {
    issues.push(issueAt(location, '', (error as Error).message));
    return;
  }
  if (path.some(isForbiddenKey)) {
    issues.push(forbiddenKeyIssue(location, path));
    return;
  }
  const valueDoc = parseDocument(assignment.slice(equals + 1), { prettyErrors: false });
  if (valueDoc.errors.length > 0) {
    issues.push(
      issueAt(
        location,
        path,
        `the value is not valid YAML: ${valueDoc.errors[0].message.split('\n')[0]}`,
        'quote the value, e.g. --set \'path="a: b"\'',
      ),
    );
    return;
  }
  const value: unknown = valueDoc.toJS();
  const hostile = findForbiddenKeys(value, path);
  if (hostile.length > 0) {
    for (const at of hostile) issues.push(forbiddenKeyIssue(location, at));
    return;
  }
  // Mappings the assignment creates on its way belong to it too (a step re-added after a profile removed it).
  for (let i = 1; i < path.length; i++) {
    if (getByPath(doc, path.slice(0, i)) === undefined) map.set(path.slice(0, i), location, location);
  }
  map.deleteSubtree(path);
  if (value === null) {
    setByPath(doc, path, undefined);
    return;
  }
  if (!setByPath(doc, path, value)) {
    issues.push(issueAt(location, path, 'cannot set a key inside a value that is not a mapping or list'));
    return;
  }
  markAll(map, value, location, path);
}

function applySkips(doc: Record<string, unknown>, map: DocSourceMap, skips: string[], issues: ConfigIssue[]): void {
  if (skips.length === 0) return;
  const steps = isPlainObject(doc.steps) ? doc.steps : {};
  const removed = new Set<string>();
  for (const skip of skips) {
    if (skip in steps) removed.add(skip);
    else {
      const names = Object.keys(steps);
      issues.push(
        issueAt(
          { file: `--skip ${skip}`, line: 0, col: 0 },
          '',
          `unknown step "${skip}"`,
          names.length > 0 ? `steps: ${names.join(', ')}` : 'the pipeline has no steps',
        ),
      );
    }
  }
  // A step whose every input is skipped has nothing to read: it goes too, and so on downstream. Upstream, a step
  // that only skipped steps read from (a transform that fed them alone) would work for nothing: it goes as well.
  // Sources (no inputs) stay, so the pipeline keeps its shape for the error it may now have.
  const readBy = (name: string) =>
    Object.entries(steps)
      .filter(([, step]) => stepInputs(step).includes(name))
      .map(([reader]) => reader);
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, step] of Object.entries(steps)) {
      if (removed.has(name)) continue;
      const inputs = stepInputs(step);
      const readers = readBy(name);
      const starved = inputs.length > 0 && inputs.every((input) => removed.has(input));
      const unread = inputs.length > 0 && readers.length > 0 && readers.every((reader) => removed.has(reader));
      if (starved || unread) {
        removed.add(name);
        changed = true;
      }
    }
  }
  for (const name of removed) {
    delete steps[name];
    map.deleteSubtree(['steps', name]);
  }
}
