/** File mode end to end through the plugin's `read()`: typing, rejects with file:line, header checks, resume. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FatalError } from '@etl/core';
import kaggleSource from '@etl/source-kaggle';
import { configOf, readAll, testContext, type TestContext } from './helpers/context.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const base = {
  dataset: 'thedevastator/us-baby-names-by-year-of-birth',
  file: 'babyNamesUSYOB-full.csv',
  mode: 'file' as const,
};
const noCredentials = { credentials: { env: {}, home: '/nonexistent' } };

let ctx: TestContext;
afterEach(async () => ctx?.cleanup());

describe('kaggle source, file mode', () => {
  it('types every row of a clean CSV and locates each record by file:line', async () => {
    ctx = testContext();
    const source = kaggleSource(noCredentials);
    const { records, rejects, positions, locations } = await readAll(
      source.read(ctx, configOf({ ...base, path: fixture('clean.csv') }), undefined),
    );
    expect(rejects).toEqual([]);
    expect(records).toHaveLength(8);
    expect(records[0]).toEqual({ year: 1880, name: 'Mary', sex: 'F', count: 7065 });
    expect(records[7]).toEqual({ year: 1880, name: 'James', sex: 'M', count: 5927 });
    expect(locations[0]).toBe('clean.csv:2');
    expect(locations[7]).toBe('clean.csv:9');
    expect(positions.at(-1)).toEqual({ line: 9, records: 8 });
  });

  it('handles a BOM, CRLF line ends and quoted fields (commas inside quotes, trimmed names)', async () => {
    ctx = testContext();
    const { records, rejects, locations } = await readAll(
      kaggleSource(noCredentials).read(ctx, configOf({ ...base, path: fixture('bom-crlf-quoted.csv') }), undefined),
    );
    expect(rejects).toEqual([]);
    expect(records).toEqual([
      { year: 1880, name: 'Mary', sex: 'F', count: 7065 },
      { year: 1880, name: 'Anna', sex: 'F', count: 2604 },
      { year: 1880, name: 'Smith, Jr', sex: 'M', count: 12 },
      { year: 1881, name: 'Ida', sex: 'F', count: 100 },
    ]);
    expect(locations).toEqual([
      'bom-crlf-quoted.csv:2',
      'bom-crlf-quoted.csv:3',
      'bom-crlf-quoted.csv:4',
      'bom-crlf-quoted.csv:5',
    ]);
  });

  it('rejects exactly the malformed rows, with file:line and the reason, and goes on', async () => {
    ctx = testContext();
    const { records, rejects, locations } = await readAll(
      kaggleSource(noCredentials).read(ctx, configOf({ ...base, path: fixture('dirty.csv') }), undefined),
    );
    expect(records.map((r) => r.name)).toEqual(['Mary', 'Florence', 'Cora']);
    expect(locations).toEqual(['dirty.csv:2', 'dirty.csv:14', 'dirty.csv:16']);
    expect(rejects).toEqual([
      { location: 'dirty.csv:3', reason: 'expected 4 columns, found 3' },
      { location: 'dirty.csv:4', reason: 'expected 4 columns, found 5' },
      { location: 'dirty.csv:5', reason: 'YearOfBirth "18x0" is not an integer' },
      { location: 'dirty.csv:6', reason: 'Name is empty' },
      { location: 'dirty.csv:7', reason: 'Sex "X" is not one of F, M' },
      { location: 'dirty.csv:8', reason: 'Number 0 is below 1' },
      { location: 'dirty.csv:9', reason: 'Number -5 is below 1' },
      { location: 'dirty.csv:10', reason: 'Number "12.5" is not an integer' },
      { location: 'dirty.csv:11', reason: 'YearOfBirth 1700 is below 1800' },
      { location: 'dirty.csv:12', reason: 'Name has a stray double quote (malformed quoting): Bad"Quote' },
      { location: 'dirty.csv:15', reason: 'Name is longer than 64 characters (68)' },
    ]);
  });

  it('rejects a row whose bytes are not UTF-8 instead of loading a replaced letter', async () => {
    ctx = testContext();
    const { records, rejects } = await readAll(
      kaggleSource(noCredentials).read(ctx, configOf({ ...base, path: fixture('latin1.csv') }), undefined),
    );
    expect(records.map((r) => r.name)).toEqual(['Jose', 'Zoë']);
    expect(rejects).toEqual([
      { location: 'latin1.csv:2', reason: 'contains bytes that are not valid UTF-8 (the file must be UTF-8)' },
    ]);
  });

  it('rejects rows with broken quoting without losing the rows around them', async () => {
    ctx = testContext();
    const { records, rejects, locations } = await readAll(
      kaggleSource(noCredentials).read(ctx, configOf({ ...base, path: fixture('quotes.csv') }), undefined),
    );
    expect(records.map((r) => r.name)).toEqual(['Anna', 'Smith, Jr']);
    expect(locations).toEqual(['quotes.csv:3', 'quotes.csv:5']);
    expect(rejects).toEqual([
      { location: 'quotes.csv:2', reason: 'Name has a stray double quote (malformed quoting): "Ma"ry' },
      { location: 'quotes.csv:4', reason: 'Name has a stray double quote (malformed quoting): Bad"Quote' },
      { location: 'quotes.csv:6', reason: 'malformed quoting (a quote is never closed) (lines 6-7 could not be read)' },
    ]);
  });

  it('stops instead of silently dropping the rest of the file when a quote is never closed', async () => {
    ctx = testContext();
    const rows = ['YearOfBirth,Name,Sex,Number', '1880,Mary,F,7065', '1880,"Unclosed,F,10'];
    for (let i = 0; i < 5000; i++) rows.push(`1881,Name${i},F,${i + 1}`);
    const path = join(ctx.root, 'unclosed.csv');
    writeFileSync(path, `${rows.join('\n')}\n`);
    const run = readAll(kaggleSource(noCredentials).read(ctx, configOf({ ...base, path }), undefined));
    await expect(run).rejects.toMatchObject({
      code: 'KAGGLE_UNCLOSED_QUOTE',
      message: expect.stringContaining('cannot be read past line 3'),
    });
  });

  it('stops with a fatal error naming the expected and found columns when the header is wrong', async () => {
    ctx = testContext();
    const run = readAll(
      kaggleSource(noCredentials).read(ctx, configOf({ ...base, path: fixture('wrong-header.csv') }), undefined),
    );
    await expect(run).rejects.toThrow(FatalError);
    await expect(run).rejects.toMatchObject({
      code: 'KAGGLE_BAD_HEADER',
      message: expect.stringContaining('Expected: YearOfBirth,Name,Sex,Number. Found: Year,Name,Gender,Count.'),
    });
  });

  it('resumes after the line of the last committed position, skipping earlier rows', async () => {
    ctx = testContext();
    const { records, locations, positions } = await readAll(
      kaggleSource(noCredentials).read(ctx, configOf({ ...base, path: fixture('clean.csv'), batchSize: 3 }), {
        line: 5,
        records: 4,
      }),
    );
    expect(records.map((r) => r.name)).toEqual(['Minnie', 'John', 'William', 'James']);
    expect(locations[0]).toBe('clean.csv:6');
    expect(positions).toEqual([
      { line: 8, records: 7 },
      { line: 9, records: 8 },
    ]);
  });

  it('cuts batches at batchSize, counting rejects, and the positions follow the lines', async () => {
    ctx = testContext();
    const batches = [];
    for await (const batch of kaggleSource(noCredentials).read(
      ctx,
      configOf({ ...base, path: fixture('dirty.csv'), batchSize: 4 }),
      undefined,
    )) {
      batches.push({ records: batch.records.length, rejects: batch.rejects?.length ?? 0, position: batch.position });
    }
    expect(batches).toEqual([
      { records: 1, rejects: 3, position: { line: 5, records: 1 } },
      { records: 0, rejects: 4, position: { line: 9, records: 1 } },
      { records: 1, rejects: 3, position: { line: 14, records: 2 } },
      { records: 1, rejects: 1, position: { line: 16, records: 3 } },
    ]);
  });

  it("uses the pipeline's batch size (ctx.batchSize) when its own batchSize is unset, and its own when set", async () => {
    const sizes = async (config: Record<string, unknown>, batchSize: number) => {
      ctx = testContext({ batchSize });
      const out: number[] = [];
      for await (const batch of kaggleSource(noCredentials).read(
        ctx,
        configOf({ ...base, path: fixture('clean.csv'), ...config }),
        undefined,
      )) {
        out.push(batch.records.length);
      }
      await ctx.cleanup();
      return out;
    };
    expect(await sizes({}, 3)).toEqual([3, 3, 2]);
    expect(await sizes({}, 5)).toEqual([5, 3]);
    expect(await sizes({ batchSize: 4 }, 3)).toEqual([4, 4]);
  });

  it('inputVersion() names the file by path, size and modification time: stable until the file changes', async () => {
    ctx = testContext();
    const path = join(ctx.root, 'names.csv');
    const one = 'YearOfBirth,Name,Sex,Number\n1880,Mary,F,7065\n';
    writeFileSync(path, one);
    const config = configOf({ ...base, path });
    const first = await kaggleSource(noCredentials).inputVersion!(ctx, config);
    expect(first.startsWith(`file ${path}, ${one.length} bytes, modified 20`)).toBe(true);
    expect(await kaggleSource(noCredentials).inputVersion!({ ...ctx, runId: 'run-2' }, config)).toBe(first);
    const two = `${one}1880,Anna,F,2604\n`;
    writeFileSync(path, two);
    const changed = await kaggleSource(noCredentials).inputVersion!({ ...ctx, runId: 'run-3' }, config);
    expect(changed).not.toBe(first);
    expect(changed).toContain(`${two.length} bytes`);
  });

  it('stops reading promptly when the run is aborted', async () => {
    const controller = new AbortController();
    ctx = testContext({ signal: controller.signal });
    let batches = 0;
    for await (const batch of kaggleSource(noCredentials).read(
      ctx,
      configOf({ ...base, path: fixture('clean.csv'), batchSize: 2 }),
      undefined,
    )) {
      batches++;
      expect(batch.records).toHaveLength(2);
      controller.abort();
    }
    expect(batches).toBe(1);
  });

  it('says which file is missing in file mode', async () => {
    ctx = testContext();
    await expect(
      readAll(kaggleSource(noCredentials).read(ctx, configOf({ ...base, path: fixture('nope.csv') }), undefined)),
    ).rejects.toMatchObject({
      code: 'KAGGLE_FILE_NOT_FOUND',
    });
  });
});
