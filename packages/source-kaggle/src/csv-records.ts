/**
 * Streams a CSV through csv-parse into batches of typed records, each row located by its line number.
 *
 * Why the input is fed by hand instead of piped: csv-parse reports the current line in `parser.info.lines`, and that
 * value belongs to a row only while the row is being emitted. Writing one chunk at a time and taking rows in a
 * synchronous 'data' listener keeps the two in step (its `info`/`on_record` options give the same, but allocate an
 * info object per row and run 3-4× slower), and bounds memory to one chunk's rows, which is the backpressure.
 */
import { parse, type CsvError } from 'csv-parse';
import { FatalError, type DataRecord, type Rejection } from '@etl/core';
import type { ColumnSpec } from './config.js';
import { compileRowTyper, Invalid, type RowTyper } from './columns.js';

export interface CsvReadOptions {
  /** File name used in locations (`file:line`). */
  file: string;
  columns: Record<string, ColumnSpec>;
  expectHeader?: string[];
  /** Records + rejects per batch. */
  batchSize: number;
  /** Skip rows up to and including this line (resume). @default 0 */
  afterLine?: number;
  signal?: AbortSignal;
  /** Rows longer than this are malformed (an unclosed quote would otherwise swallow the file). @default 65536 */
  maxRowBytes?: number;
}

export interface CsvBatch {
  records: DataRecord[];
  /** `lines[i]` is the CSV line of `records[i]`. */
  lines: number[];
  rejects: Rejection[];
  /** The last line this batch consumed. */
  lastLine: number;
}

/** Readable words for csv-parse's error codes; the row's text follows in the reject. */
const csvProblems: Record<string, string> = {
  CSV_INVALID_CLOSING_QUOTE: 'malformed quoting (text after a closing quote)',
  // csv-parse 7 spells this one without the CSV_ prefix.
  INVALID_OPENING_QUOTE: 'malformed quoting (a quote inside an unquoted field)',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'malformed quoting (text after a closing quote)',
  CSV_QUOTE_NOT_CLOSED: 'malformed quoting (a quote is never closed)',
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'wrong number of columns',
};

const newBatch = (): CsvBatch => ({ records: [], lines: [], rejects: [], lastLine: 0 });

export async function* readCsvBatches(
  input: AsyncIterable<Buffer | string>,
  options: CsvReadOptions,
): AsyncGenerator<CsvBatch> {
  const { file, batchSize, signal } = options;
  const afterLine = options.afterLine ?? 0;
  let typer: RowTyper | undefined;
  let failure: unknown;
  /** The line of the last row seen, so a row that spans lines can be reported at its first line. */
  let lastRowLine = 0;
  let current = newBatch();
  const ready: CsvBatch[] = [];

  const parser = parse({
    bom: true,
    // Left to itself csv-parse takes the first line end it meets as the only one, so one CRLF in an LF file leaves
    // "9\r" in a field. Files edited on several systems mix them: accept each, CRLF first so its CR is not a line.
    record_delimiter: ['\r\n', '\n', '\r'],
    // Without it csv-parse recovers badly from a stray quote and swallows the next row unreported; with it the quote
    // stays in the cell and the row typer rejects the row.
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: options.maxRowBytes ?? 65_536,
    on_skip: (error: CsvError | undefined, raw: string | undefined) => {
      // The error's own line can lag behind when a quote swallowed many lines; the parser's count does not.
      const line = Math.max(lineOf(error) ?? 0, parser.info.lines);
      const first = Math.min(lastRowLine + 1, line);
      lastRowLine = line;
      if (failure) return undefined;
      if (error?.code === 'CSV_MAX_RECORD_SIZE') {
        // csv-parse stops reading after this error, so going on would drop the rest of the file without a word.
        failure = new FatalError(
          `kaggle: ${file} cannot be read past line ${first}: a quote opened there is never closed (the row grew past ` +
            `${options.maxRowBytes ?? 65_536} bytes by line ${line}).`,
          {
            code: 'KAGGLE_UNCLOSED_QUOTE',
            suggestions: [`Look at ${file}:${first}; if the download is damaged, run again with \`refresh: true\`.`],
            context: { file, line: first },
          },
        );
        return undefined;
      }
      if (line <= afterLine) return undefined;
      const problem = (error && csvProblems[error.code]) ?? `malformed CSV${error ? ` (${error.code})` : ''}`;
      const span = first < line ? ` (lines ${first}-${line} could not be read)` : '';
      add(line, undefined, {
        location: `${file}:${first}`,
        reason: `${problem}${span}`,
        record: raw?.replace(/\r?\n$|\r$/, ''),
      });
      return undefined;
    },
  });

  const add = (line: number, record: DataRecord | undefined, rejection: Rejection | undefined) => {
    if (record) {
      current.records.push(record);
      current.lines.push(line);
    } else if (rejection) current.rejects.push(rejection);
    current.lastLine = line;
    if (current.records.length + current.rejects.length >= batchSize) {
      ready.push(current);
      current = newBatch();
    }
  };

  parser.on('data', (row: string[]) => {
    if (failure) return;
    const line = parser.info.lines;
    lastRowLine = line;
    if (!typer) {
      try {
        typer = compileRowTyper(row, options.columns, options.expectHeader, file);
      } catch (error) {
        failure = error;
      }
      return;
    }
    if (line <= afterLine) return;
    // Bytes that are not UTF-8 reach us as U+FFFD: loading the row would replace a letter silently.
    if (hasReplacementChar(row)) {
      add(line, undefined, {
        location: `${file}:${line}`,
        reason: 'contains bytes that are not valid UTF-8 (the file must be UTF-8)',
        record: row.join(','),
      });
      return;
    }
    const typed = typer.type(row);
    if (typed instanceof Invalid)
      add(line, undefined, { location: `${file}:${line}`, reason: typed.reason, record: row.join(',') });
    else add(line, typed, undefined);
  });
  const ended = new Promise<void>((resolve) => parser.once('end', resolve));
  parser.on('error', (error) => {
    failure ??= unreadable(file, parser.info.lines, error);
  });

  const stopped = () => signal?.aborted === true;
  try {
    for await (const chunk of input) {
      if (stopped()) return;
      parser.write(chunk);
      if (failure) break;
      while (ready.length > 0 && !stopped()) yield ready.shift()!;
    }
    if (stopped()) return;
    if (!failure) {
      parser.end();
      await Promise.race([ended, new Promise((resolve) => parser.once('error', resolve))]);
    }
    if (failure) throw failure;
    while (ready.length > 0 && !stopped()) yield ready.shift()!;
    if (!typer) {
      throw new FatalError(`kaggle: ${file} is empty (no header line).`, {
        code: 'KAGGLE_EMPTY_FILE',
        suggestions: ['Check `file`; if the cached download is damaged, download it again with `refresh: true`.'],
      });
    }
    if (current.records.length + current.rejects.length > 0 && !stopped()) yield current;
  } finally {
    parser.destroy();
  }
}

function hasReplacementChar(row: string[]): boolean {
  for (const cell of row) if (cell.includes('\uFFFD')) return true;
  return false;
}

function lineOf(error: CsvError | undefined): number | undefined {
  const lines = (error as { lines?: unknown } | undefined)?.lines;
  return typeof lines === 'number' ? lines : undefined;
}

function unreadable(file: string, line: number, error: unknown): FatalError {
  if (error instanceof FatalError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new FatalError(`kaggle: cannot read ${file} as CSV near line ${line}: ${message}`, {
    code: 'KAGGLE_CSV_UNREADABLE',
    suggestions: [
      'Check that `file` names a CSV; download it again with `refresh: true` if the cached copy is damaged.',
    ],
    cause: error,
  });
}
