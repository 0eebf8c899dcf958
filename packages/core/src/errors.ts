/**
 * One error tree for the whole tool. Every error a person may see is an `EtlError` with a stable `code`, an exit code,
 * and suggestions saying what to do. Retry logic looks only at `retriable`.
 */

/** Process exit codes; documented in the README ("Exit codes"). */
export const ExitCode = {
  ok: 0,
  /** A bug: an error that is not an EtlError. */
  internal: 1,
  /** Bad command-line usage (oclif's own code). */
  usage: 2,
  /** The pipeline or project config is invalid. */
  config: 3,
  /** A plugin could not be found or is not a valid plugin. */
  pluginLoad: 4,
  /** The run stopped on a fatal error (auth, unreachable service, bad data format). */
  fatal: 5,
  /** A transient failure outlasted its retries, or a daily budget ran out; the run can be resumed later. */
  retriesExhausted: 6,
  /** `etl check` found a step whose check failed. */
  checkFailed: 7,
  /** The run completed but rejected records and `--fail-on-rejects` was given. */
  rejects: 8,
  /** Stopped by SIGINT (Ctrl-C) after a clean checkpoint. */
  interrupted: 130,
  /** Stopped by SIGTERM after a clean checkpoint. */
  terminated: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * What each exit code means, for people: `etl --help` prints this table, and a test keeps the README's and the CLI
 * README's tables equal to it.
 */
export const EXIT_CODE_MEANINGS: ReadonlyArray<readonly [ExitCodeValue, string]> = [
  [ExitCode.ok, 'success'],
  [ExitCode.internal, 'internal error: a bug in etl, please report it'],
  [ExitCode.usage, 'bad command-line usage'],
  [
    ExitCode.config,
    'the pipeline or project config is invalid (`etl validate` found problems; `etl run` refused to start)',
  ],
  [ExitCode.pluginLoad, 'a plugin could not be found or is not a valid plugin'],
  [ExitCode.fatal, 'the run stopped on a fatal error (authentication, unreachable service, bad data format)'],
  [ExitCode.retriesExhausted, 'retries or the daily budget ran out; run the same command later to resume'],
  [ExitCode.checkFailed, '`etl check` found a step whose check failed'],
  [ExitCode.rejects, 'the run completed, records were rejected and `--fail-on-rejects` was given'],
  [ExitCode.interrupted, 'stopped by Ctrl-C (SIGINT) after a clean checkpoint; run again to resume'],
  [ExitCode.terminated, 'stopped by SIGTERM after a clean checkpoint; run again to resume'],
];

export interface EtlErrorOptions {
  /** Stable machine-readable code, e.g. `CONFIG_INVALID`, `MYSQL_ACCESS_DENIED`. */
  code?: string;
  /** What the person can do about it, one sentence each. */
  suggestions?: string[];
  cause?: unknown;
  /** Plugin, step, file, ... attached where the error passes through the runtime. */
  context?: Record<string, unknown>;
}

/** Marks EtlErrors so `instanceof` works across two copies of this module (a plugin bundling its own @etl/core). */
const KINDS = Symbol.for('etl.error.kinds');

export class EtlError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const kinds = (value as { [KINDS]?: string[] } | null)?.[KINDS];
    return Array.isArray(kinds) && kinds.includes(this.name);
  }

  readonly code: string;
  readonly suggestions: string[];
  readonly context: Record<string, unknown>;
  readonly exitCode: ExitCodeValue = ExitCode.internal;
  readonly retriable: boolean = false;

  constructor(message: string, options: EtlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'ETL_ERROR';
    this.suggestions = options.suggestions ?? [];
    this.context = options.context ?? {};
    const kinds: string[] = [];
    // biome-ignore lint/complexity/noBannedTypes: walks the constructors of whichever error class was built
    for (let proto: Function = new.target; proto && proto !== (Error as Function); proto = Object.getPrototypeOf(proto))
      kinds.push(proto.name);
    Object.defineProperty(this, KINDS, { value: kinds, enumerable: false });
  }
}

/** One problem in a config file, located as precisely as the YAML allows. */
export interface ConfigIssue {
  file: string;
  line: number;
  col: number;
  /** Dotted path of the value, e.g. `steps.load.config.batchSize`. */
  path: string;
  message: string;
  hint?: string;
  /** Set on issues that do not make a pipeline invalid (unset variables in `etl validate` without `--strict`). */
  severity?: 'warning';
}

/** The pipeline or project config is wrong; carries every issue found, not just the first. */
export class ConfigError extends EtlError {
  override readonly exitCode = ExitCode.config;
  readonly issues: ConfigIssue[];
  constructor(message: string, issues: ConfigIssue[] = [], options: EtlErrorOptions = {}) {
    super(message, { code: 'CONFIG_INVALID', ...options });
    this.issues = issues;
  }
}

export class PluginLoadError extends EtlError {
  override readonly exitCode = ExitCode.pluginLoad;
  constructor(message: string, options: EtlErrorOptions = {}) {
    super(message, { code: 'PLUGIN_LOAD', ...options });
  }
}

/** Stops the run: retrying cannot help (bad credentials, missing privilege, unreadable input). */
export class FatalError extends EtlError {
  override readonly exitCode = ExitCode.fatal;
  constructor(message: string, options: EtlErrorOptions = {}) {
    super(message, { code: 'FATAL', ...options });
  }
}

/** Transient: the same work may succeed later. `retryAfterMs` is the remote's hint (Retry-After, a lock's duration). */
export class RetriableError extends EtlError {
  override readonly exitCode = ExitCode.retriesExhausted;
  override readonly retriable = true;
  readonly retryAfterMs?: number;
  constructor(message: string, options: EtlErrorOptions & { retryAfterMs?: number } = {}) {
    super(message, { code: 'RETRIABLE', ...options });
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Retries ran out (attempts or time) on a retriable error, or a quota is spent until a known time. */
export class RetriesExhaustedError extends EtlError {
  override readonly exitCode = ExitCode.retriesExhausted;
  constructor(message: string, options: EtlErrorOptions = {}) {
    super(message, { code: 'RETRIES_EXHAUSTED', ...options });
  }
}

/** One record is unusable; the run goes on and the record goes to the rejects file. */
export class RejectedRecordError extends EtlError {
  readonly location: string;
  constructor(reason: string, location: string, options: EtlErrorOptions = {}) {
    super(reason, { code: 'RECORD_REJECTED', ...options });
    this.location = location;
  }
}

/** The run was stopped by a signal after flushing and checkpointing. */
export class InterruptedError extends EtlError {
  override readonly exitCode: ExitCodeValue;
  constructor(signal: 'SIGINT' | 'SIGTERM') {
    super(`Stopped by ${signal}; progress was checkpointed. Run the same command again to resume.`, {
      code: 'INTERRUPTED',
    });
    this.exitCode = signal === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated;
  }
}

export function isRetriable(error: unknown): boolean {
  return error instanceof EtlError ? error.retriable : false;
}

export function exitCodeOf(error: unknown): number {
  return error instanceof EtlError ? error.exitCode : ExitCode.internal;
}
