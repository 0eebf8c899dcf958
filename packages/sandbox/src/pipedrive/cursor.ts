/**
 * Cursors in the shape of the spec's example (`eyJmaWVsZCI6ImlkIi...` is base64url of
 * `{"field":"id","fieldValue":7,"sortDirection":"asc","id":7}`): they name the first item of the next page by its sort
 * value and id, not by position, so persons added or deleted while a client pages neither repeat nor go missing.
 */
import { validationError } from './errors.js';

export interface KeyCursor {
  field: string;
  fieldValue: string | number;
  sortDirection: 'asc' | 'desc';
  id: number;
}

export function encodeCursor(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Decodes a cursor or answers 400 as the API does for a cursor it did not issue. */
export function decodeCursor<T extends object>(cursor: string, check: (value: Record<string, unknown>) => boolean): T {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof value === 'object' && value !== null && check(value)) return value as T;
  } catch {
    // falls through to the 400
  }
  throw validationError(
    `Validation failed: cursor: "${cursor}" is not a cursor this endpoint issued; pass additional_data.next_cursor unchanged`,
  );
}

/** The `limit` query parameter: 1..500, 100 when absent (as the spec says). */
export function readLimit(value: unknown): number {
  if (value === undefined || value === '') return 100;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw validationError(`Validation failed: limit: must be an integer from 1 to 500, got "${String(value)}"`);
  }
  return limit;
}
