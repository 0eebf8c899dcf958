/**
 * The one place errors become text and an exit code. An `EtlError` is expected (the person can fix it): message,
 * `Code:`, each config issue as `file:line:col: path: message`, the cause chain and `Try this:` suggestions.
 * Anything else is a bug: a short message, a request to report it, and the stack only with `--debug`/`ETL_DEBUG=1`.
 * Every line passes through secret redaction.
 */
import { ConfigError, EtlError, ExitCode, formatIssue } from '@etl/core';
import { redact } from './secrets.js';

export interface RenderErrorOptions {
  /** Show stacks (also for EtlErrors). */
  debug?: boolean;
}

export interface RenderedError {
  /** What to print on stderr (no trailing newline). */
  text: string;
  exitCode: number;
  /** The same for `--json`: `{ error: { code, message, exitCode, suggestions, issues? } }`. */
  json: {
    error: { code: string; message: string; exitCode: number; suggestions: string[]; issues?: string[]; bug?: boolean };
  };
}

/** True when stacks should be printed: `--debug` or `ETL_DEBUG=1`. */
export const debugEnabled = (flag?: boolean): boolean =>
  flag === true || ['1', 'true', 'yes'].includes(process.env.ETL_DEBUG ?? '');

function causeLines(error: Error): string[] {
  const lines: string[] = [];
  let cause: unknown = error.cause;
  for (let depth = 0; cause !== undefined && cause !== null && depth < 5; depth++) {
    const message =
      cause instanceof Error ? `${cause.name === 'Error' ? '' : `${cause.name}: `}${cause.message}` : String(cause);
    lines.push(`Caused by: ${message}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return lines;
}

export function renderError(error: unknown, options: RenderErrorOptions = {}): RenderedError {
  const debug = debugEnabled(options.debug);
  if (error instanceof EtlError) {
    const issues = error instanceof ConfigError ? error.issues.map((issue) => formatIssue(issue)) : [];
    // Some messages already list their issues (configErrorFrom); print each line once.
    const extra = issues.filter((line) => !error.message.includes(line));
    const lines = [
      `Error: ${error.message}`,
      ...extra.map((line) => `  ${line}`),
      `Code: ${error.code}`,
      ...causeLines(error),
    ];
    if (error.suggestions.length > 0) lines.push('Try this:', ...error.suggestions.map((s) => `  - ${s}`));
    if (debug && error.stack) lines.push('', error.stack);
    return {
      text: redact(lines.join('\n')),
      exitCode: error.exitCode,
      json: {
        error: {
          code: error.code,
          message: redact(error.message),
          exitCode: error.exitCode,
          suggestions: error.suggestions.map(redact),
          ...(issues.length > 0 ? { issues: issues.map(redact) } : {}),
        },
      },
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  const lines = [
    `Error: ${message}`,
    'This is a bug in etl, not something you did wrong. Please report it with the command you ran and the output of the same command with --debug.',
  ];
  if (debug) lines.push('', error instanceof Error && error.stack ? error.stack : String(error));
  else lines.push('(Run again with --debug or ETL_DEBUG=1 to see the stack trace.)');
  return {
    text: redact(lines.join('\n')),
    exitCode: ExitCode.internal,
    json: {
      error: { code: 'INTERNAL', message: redact(message), exitCode: ExitCode.internal, suggestions: [], bug: true },
    },
  };
}

/** The error a failed run reports in its summary, rendered like a thrown one. */
export function renderSummaryError(error: { code: string; message: string; suggestions: string[] }): string {
  const lines = [`Error: ${error.message}`, `Code: ${error.code}`];
  if (error.suggestions.length > 0) lines.push('Try this:', ...error.suggestions.map((s) => `  - ${s}`));
  return redact(lines.join('\n'));
}
