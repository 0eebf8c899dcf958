import type { ConfigIssue } from '../errors.js';
import type { JsonSchema, Plugin } from '../plugins/types.js';

/** The project config (`etl.config.*`, `.etlrc*`, or `etl` in package.json), with every path made absolute. */
export interface ProjectConfig {
  /** The config file's folder, or the working folder when there is no config file. */
  root: string;
  /** Absolute path of the config file, when one was found. */
  configFile?: string;
  /** Where pipelines live. @default `<root>/pipelines` */
  pipelinesDir: string;
  /** Checkpoints, run history and caches. @default `<root>/.etl` */
  stateDir: string;
  /** Extra folders plugins are resolved from, after the pipeline file's folder. */
  pluginPaths: string[];
  /** A shared state store (`mysql://…`); `ETL_STATE_URL` overrides it. Unset: the embedded store in `stateDir`. */
  stateUrl?: string;
  /** Deep-merged under every pipeline document. */
  defaults: Record<string, unknown>;
}

/** Where one value came from: a place in a file, or a command-line `--set`. */
export interface SourceLocation {
  file: string;
  /** 1-based; 0 when the value came from the command line. */
  line: number;
  col: number;
}

/** A path into a document: object keys and array indexes. */
export type DocPath = Array<string | number>;

/** Positions of every value (and every mapping key) of a merged document, by path. */
export interface SourceMap {
  /** Where the value at `path` was written (or its nearest located ancestor). */
  valueAt(path: DocPath): SourceLocation;
  /** Where the key naming `path` was written (falls back to the value, then the ancestors). */
  keyAt(path: DocPath): SourceLocation;
}

/** A parsed pipeline with overrides applied and `${env:…}` interpolated, ready for `validatePipeline`. */
export interface LoadedPipeline {
  /** Absolute path of the pipeline file. */
  file: string;
  /** The effective document (undefined when the YAML could not be parsed). */
  doc: Record<string, unknown> | undefined;
  profile?: string;
  sourceMap: SourceMap;
  /** Problems found while loading: YAML syntax, unknown profile or `--skip`, bad `--set`, unset variables. */
  issues: ConfigIssue[];
  /** Names of referenced environment variables that are unset and have no default. */
  unsetEnv: string[];
  /** The issues (also in `issues`) that say a variable is unset: a linter may report them as warnings. */
  unsetIssues: ConfigIssue[];
  /** Paths (as `pathKey`) whose string value was produced by `${env:…}` interpolation. */
  interpolated: Map<string, { envValues: string[] }>;
  /** Paths (as `pathKey`) holding an unset variable: schema errors there would only repeat the issue. */
  unsetPaths: Set<string>;
}

/** Options for `loadPipeline`. */
export interface LoadPipelineOptions {
  /** A profile defined under `profiles:` in the file. */
  profile?: string;
  /** `--set path=value` overrides, applied in order after the profile. */
  sets?: string[];
  /** `--skip step`: leaves the step and every step that reads only from it out. */
  skips?: string[];
  /** Variables for `${env:…}`. @default process.env */
  env?: Record<string, string | undefined>;
  /** The project's `defaults`, merged under the document. */
  defaults?: Record<string, unknown>;
  /** The project config file the defaults came from (for positions). */
  defaultsFile?: string;
}

/** What `etl plugins` and `etl schema` list. */
export interface InstalledPlugin {
  /** The name to write in `use:`. */
  use: string;
  /** The package (or `builtin`). */
  package: string;
  /** The file it was loaded from (or `builtin`). */
  from: string;
  plugin?: Plugin;
  /** Set when the package exists but could not be loaded as a plugin. */
  error?: string;
}

export interface PluginResolver {
  /** Finds, loads and checks the plugin named by `use:`; calls its factory once per call. */
  resolve(use: string, pipelineDir: string): Promise<{ plugin: Plugin; from: string }>;
  /** Built-ins plus installed `@etl/source-*`, `@etl/sink-*`, `@etl/transform-*` and `etl-plugin-*` packages. */
  listInstalled(): Promise<InstalledPlugin[]>;
}

export type { ConfigIssue, JsonSchema };
