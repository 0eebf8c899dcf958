import { ConfigError } from '../errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The pattern the pipeline schema uses for duration strings. */
export const DURATION_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h)?\\s*$';

/**
 * Milliseconds from a duration: a number (already ms) or a string like `500ms`, `10s`, `5m`, `1h`, `1.5s`.
 * Throws a ConfigError for anything else.
 */
export function parseDuration(value: number | string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
    if (match) return Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']);
  }
  throw new ConfigError(`"${String(value)}" is not a duration`, [], {
    code: 'CONFIG_BAD_DURATION',
    suggestions: ['Write a number of milliseconds or a string like 500ms, 10s, 5m, 1h.'],
  });
}
