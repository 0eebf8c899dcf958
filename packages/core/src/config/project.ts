import { readFileSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import type { CosmiconfigResult } from 'cosmiconfig';
import dotenv from 'dotenv';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { checkAgainstSchema, compileSchema, sharedAjv } from './ajv.js';
import { isPlainObject } from './paths.js';
import { defaultsLocations, DocSourceMap, mapDocument } from './source-map.js';
import type { ProjectConfig } from './types.js';
import { findProjectRoot, foldersUpTo } from './project-root.js';
import { findForbiddenKeys, FORBIDDEN_KEY_HINT } from './forbidden-keys.js';
import { formatIssue, issueAt } from './issues.js';

const MODULE = 'etl';
const SEARCH_PLACES = [
  'package.json',
  ...['', '.json', '.yaml', '.yml', '.js', '.mjs', '.cjs'].map((ext) => `.${MODULE}rc${ext}`),
  ...['json', 'yaml', 'yml', 'js', 'mjs', 'cjs'].map((ext) => `${MODULE}.config.${ext}`),
];

/** JSON Schema of the project config. */
export const projectConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    pipelinesDir: {
      type: 'string',
      minLength: 1,
      description: 'Where pipeline files live, relative to the config file. Default `pipelines`.',
    },
    stateDir: { type: 'string', minLength: 1, description: 'Checkpoints, run history and caches. Default `.etl`.' },
    pluginPaths: { type: 'array', items: { type: 'string' }, description: 'Extra folders to resolve plugins from.' },
    stateUrl: {
      type: 'string',
      pattern: '^(mysql|mariadb)://',
      description:
        'Keep state (checkpoints, ledgers, the pipeline lock, run history) in a database shared by several machines: `mysql://user@host:3306/database` (needs @etl/state-mysql). ETL_STATE_URL overrides it; keep a password in ETL_STATE_URL (.env), not here. Default: the embedded store in stateDir.',
    },
    defaults: { type: 'object', description: 'Deep-merged under every pipeline (e.g. shared limiters or settings).' },
  },
} as const;

/** True when `dir` has a file cosmiconfig would read: a config file, or a package.json with an `etl` key (or unreadable). */
function mayHoldConfig(dir: string): boolean {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return true;
  }
  if (SEARCH_PLACES.some((place) => place !== 'package.json' && names.includes(place))) return true;
  if (!names.includes('package.json')) return false;
  try {
    const pkg: unknown = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    return !isPlainObject(pkg) || pkg[MODULE] !== undefined;
  } catch {
    return true; // cosmiconfig reports what is wrong with it
  }
}

/**
 * Finds the project config from `cwd` up to the project root (`findProjectRoot`: the folder with `pipelines/` or
 * `package.json`, else the git root, else `cwd`), never above it and never in the user's global config folder
 * (cosmiconfig: `etl.config.*`, `.etlrc*`, `etl` in package.json). Checks it and makes its paths absolute. Without
 * a config file, `root` is `cwd` and everything is defaulted.
 */
export async function loadProjectConfig(cwd: string = process.cwd()): Promise<ProjectConfig> {
  // `searchStrategy: 'none'` looks in one folder only: the walk up is ours, so it stops at the project root, and
  // cosmiconfig's global search (~/.config/etl) never runs. A `.etlrc.js` executes: only project folders may hold one.
  const folders = foldersUpTo(cwd, findProjectRoot(cwd));
  let found: CosmiconfigResult = null;
  try {
    // Most projects have no config file: cosmiconfig and its parsers load only when a folder holds a candidate.
    if (folders.some(mayHoldConfig)) {
      const { cosmiconfig } = await import('cosmiconfig');
      const explorer = cosmiconfig(MODULE, { searchPlaces: SEARCH_PLACES, searchStrategy: 'none', cache: false });
      for (const dir of folders) {
        found = await explorer.search(dir);
        if (found) break;
      }
    }
  } catch (error) {
    const file = (error as { filepath?: string }).filepath;
    throw new ConfigError(
      `Cannot read the project config${file ? ` ${file}` : ''}: ${(error as Error).message.split('\n')[0]}`,
      [],
      {
        code: 'PROJECT_CONFIG_INVALID',
        suggestions: ['Fix the syntax of the project config file (etl.config.* / .etlrc* / "etl" in package.json).'],
        cause: error,
      },
    );
  }
  const configFile = found && !found.isEmpty ? found.filepath : undefined;
  const root = configFile ? dirname(configFile) : resolve(cwd);
  const config: unknown = found?.config ?? {};
  if (!isPlainObject(config)) {
    throw new ConfigError(`The project config ${configFile} must be an object`, [], {
      code: 'PROJECT_CONFIG_INVALID',
      suggestions: ['Write keys such as pipelinesDir, stateDir, pluginPaths, defaults.'],
    });
  }
  const defaults = isPlainObject(config.defaults) ? config.defaults : {};
  if (configFile) {
    const map = await projectSourceMap(configFile);
    defaultsLocations.set(defaults, { map: map.map, path: [...map.prefix, 'defaults'] });
    const issues = checkAgainstSchema(compileSchema(sharedAjv, projectConfigSchema, 'project'), config, {
      prefix: map.prefix,
      map: map.map,
    });
    // `defaults` is merged under every pipeline: a `__proto__` key there would reach Object.prototype.
    for (const path of findForbiddenKeys(config, map.prefix))
      issues.push(
        issueAt(map.map.keyAt(path), path, `the key "${path[path.length - 1]}" is not allowed`, FORBIDDEN_KEY_HINT),
      );
    if (issues.length > 0) {
      throw new ConfigError(
        `The project config ${configFile} is invalid:\n${issues.map((issue) => `  ${formatIssue(issue)}`).join('\n')}`,
        issues,
        {
          code: 'PROJECT_CONFIG_INVALID',
          suggestions: [
            'Allowed keys: pipelinesDir, stateDir, stateUrl (mysql://…), pluginPaths (list of folders), defaults (an object); never __proto__, constructor or prototype.',
          ],
        },
      );
    }
  }
  const at = (path: unknown, fallback: string): string => resolve(root, typeof path === 'string' ? path : fallback);
  return {
    root,
    ...(configFile ? { configFile } : {}),
    pipelinesDir: at(config.pipelinesDir, 'pipelines'),
    stateDir: at(config.stateDir, '.etl'),
    pluginPaths: Array.isArray(config.pluginPaths) ? config.pluginPaths.map((path) => at(path, '.')) : [],
    ...(typeof config.stateUrl === 'string' ? { stateUrl: config.stateUrl } : {}),
    defaults,
  };
}

/** Positions in JSON/YAML config files (JSON is YAML); JavaScript configs point at the file itself. */
async function projectSourceMap(file: string): Promise<{ map: DocSourceMap; prefix: string[] }> {
  const prefix = basename(file) === 'package.json' ? [MODULE] : [];
  if (['.js', '.mjs', '.cjs'].includes(extname(file)))
    return { map: new DocSourceMap({ file, line: 1, col: 1 }), prefix };
  const lineCounter = new LineCounter();
  const doc = parseDocument(await readFile(file, 'utf8'), { lineCounter, prettyErrors: false });
  return { map: mapDocument(doc, lineCounter, file), prefix };
}

/**
 * Reads `<dir>/.env` into `process.env` without overriding variables that are already set. Returns the names it
 * set (never the values). A missing file sets nothing.
 */
export function loadDotenv(dir: string = process.cwd()): string[] {
  let text: string;
  try {
    text = readFileSync(join(dir, '.env'), 'utf8');
  } catch {
    return [];
  }
  const set: string[] = [];
  for (const [name, value] of Object.entries(dotenv.parse(text))) {
    if (process.env[name] !== undefined) continue;
    process.env[name] = value;
    set.push(name);
  }
  return set;
}

const PIPELINE_EXTENSIONS = ['.yaml', '.yml'];

/** Pipeline files in the project's pipelines folder, sorted by name. */
export function listPipelineFiles(project: Pick<ProjectConfig, 'pipelinesDir'>): string[] {
  let entries: string[];
  try {
    entries = readdirSync(project.pipelinesDir);
  } catch {
    return [];
  }
  return entries
    .filter((entry) => PIPELINE_EXTENSIONS.includes(extname(entry)))
    .sort()
    .map((entry) => join(project.pipelinesDir, entry));
}

/**
 * `babynames` → `<pipelinesDir>/babynames.yaml` (or `.yml`); anything that looks like a path (has a slash or a YAML
 * extension) is used as is, relative to `cwd`. A miss is a ConfigError listing the pipelines that exist.
 */
export function findPipelineFile(
  nameOrPath: string,
  project: Pick<ProjectConfig, 'pipelinesDir'>,
  cwd: string = process.cwd(),
): string {
  const looksLikePath =
    nameOrPath.includes('/') || nameOrPath.includes('\\') || PIPELINE_EXTENSIONS.includes(extname(nameOrPath));
  const candidates = looksLikePath
    ? [isAbsolute(nameOrPath) ? nameOrPath : resolve(cwd, nameOrPath)]
    : PIPELINE_EXTENSIONS.map((ext) => join(project.pipelinesDir, nameOrPath + ext));
  for (const candidate of candidates) {
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      // try the next
    }
  }
  const existing = listPipelineFiles(project).map((file) => basename(file, extname(file)));
  throw new ConfigError(`No pipeline "${nameOrPath}" (looked for ${candidates.join(', ')})`, [], {
    code: 'PIPELINE_NOT_FOUND',
    suggestions: [
      existing.length > 0
        ? `Pipelines in ${project.pipelinesDir}: ${existing.join(', ')}.`
        : `There are no pipelines in ${project.pipelinesDir} yet.`,
      'Give a pipeline name or a path to a .yaml file.',
    ],
  });
}
