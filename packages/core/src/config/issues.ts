import { isAbsolute, relative } from 'node:path';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { formatPath } from './paths.js';
import type { DocPath, SourceLocation } from './types.js';

/** Builds an issue located at `location`. */
export const issueAt = (
  location: SourceLocation,
  path: DocPath | string,
  message: string,
  hint?: string,
): ConfigIssue => ({
  file: location.file,
  line: location.line,
  col: location.col,
  path: typeof path === 'string' ? path : formatPath(path),
  message,
  ...(hint === undefined ? {} : { hint }),
});

/**
 * `pipelines/x.yaml:12:7: steps.load.config.batchSize: must be integer (did you mean …?)`, with `warning: ` after the
 * position for warnings (as compilers print them, so editors' problem matchers pick them up). File paths are shown
 * relative to `cwd`; values from the command line show the flag instead of a position.
 */
export function formatIssue(issue: ConfigIssue, cwd: string = process.cwd()): string {
  const file = isAbsolute(issue.file) ? relative(cwd, issue.file) || issue.file : issue.file;
  const where = issue.line > 0 ? `${file}:${issue.line}:${issue.col}` : file;
  // `--set a.b: a.b: …` says the path twice.
  const path = issue.path && issue.file !== `--set ${issue.path}` ? `${issue.path}: ` : '';
  const hint = issue.hint ? ` (${issue.hint})` : '';
  const severity = issue.severity === 'warning' ? 'warning: ' : '';
  return `${where}: ${severity}${path}${issue.message}${hint}`;
}

/** Sorts issues by file, line and column so output reads top to bottom. */
export const sortIssues = (issues: ConfigIssue[]): ConfigIssue[] =>
  [...issues].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);

/** The error `etl run` throws when a pipeline has issues; its message lists every one. */
export function configErrorFrom(name: string, issues: ConfigIssue[], cwd?: string): ConfigError {
  const lines = sortIssues(issues).map((issue) => `  ${formatIssue(issue, cwd)}`);
  return new ConfigError(
    `Pipeline "${name}" has ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n${lines.join('\n')}`,
    issues,
    {
      suggestions: ['Fix the values listed above; `etl validate` checks a pipeline without running it.'],
    },
  );
}
