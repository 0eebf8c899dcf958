import { createRequire } from 'node:module';
import { ConfigError } from '../errors.js';

/**
 * Guards for regular expressions written in pipeline files (`filter`'s `matches`, `validate`'s `pattern`), which run
 * on every cell of untrusted input. JavaScript cannot interrupt a running match, so a pattern that backtracks
 * catastrophically would hang the run and Ctrl-C with it (docs/security.md, "Regular expressions"). Two layers:
 * - when the pipeline is validated (`etl validate` and every `etl run`), recheck analyses the pattern; exponential
 *   and cubic-or-worse patterns are refused with a located error;
 * - at run time a pattern only ever sees the first `MAX_MATCH_INPUT` characters' worth of cell: a longer cell is
 *   not matched (the transform rejects the record, saying why), which bounds the quadratic patterns let through.
 */

/** The longest text a user pattern is run on. Real names, codes and dates are far shorter. */
export const MAX_MATCH_INPUT = 4096;

/** recheck's verdict, or undefined when the pattern may be used. */
type Recheck = {
  checkSync(
    source: string,
    flags: string,
    params?: Record<string, unknown>,
  ): { status: string; complexity?: { type: string; degree?: number } };
};
let recheck: Recheck | undefined;
const require = createRequire(import.meta.url);
// Loaded on first use: most runs and `etl validate` of pipelines without patterns never need it.
const analyser = (): Recheck => (recheck ??= require('recheck') as Recheck);

const cache = new Map<string, string | undefined>();

const REGEX_HINT = 'rewrite it without nested or overlapping repetition, e.g. (a+)+ → a+, (a|ab)* → (ab?)*';

/** Why `pattern` may not be used (invalid, or open to catastrophic backtracking), or undefined when it may. */
export function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    return `not a valid regular expression: ${(error as Error).message}`;
  }
  if (cache.has(pattern)) return cache.get(pattern);
  let problem: string | undefined;
  try {
    const result = analyser().checkSync(pattern, 'u', { timeout: 5000 });
    const complexity = result.complexity;
    if (
      result.status === 'vulnerable' &&
      complexity &&
      (complexity.type === 'exponential' || (complexity.degree ?? 0) >= 3)
    ) {
      const how = complexity.type === 'exponential' ? 'exponential' : `polynomial (degree ${complexity.degree})`;
      problem = `this regular expression can backtrack catastrophically (${how} time on some input), which would hang the run (${REGEX_HINT})`;
    }
  } catch {
    // The analyser itself failed (e.g. no worker threads): the length bound still applies at run time.
    problem = undefined;
  }
  cache.set(pattern, problem);
  return problem;
}

/** A compiled user pattern: `true`/`false`, or `'too-long'` for a cell it was not run on. */
export type BoundedTest = (text: string) => boolean | 'too-long';

/** Compiles a user pattern (already accepted by `regexProblem` at validation) with the run-time input bound. */
export function boundedRegex(pattern: string, label: string, code: string): BoundedTest {
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'u');
  } catch (error) {
    throw new ConfigError(`${label} is not a valid regular expression: ${(error as Error).message}`, [], {
      code,
      suggestions: ['Write a JavaScript regular expression without slashes, e.g. "^[A-Z][a-z]+$".'],
    });
  }
  return (text) => (text.length > MAX_MATCH_INPUT ? 'too-long' : re.test(text));
}
