/**
 * Bad input: every file of the malformed-CSV corpus goes through the real `etl run babynames` (file mode, MySQL only)
 * and either stops with a clear error or loads what it can and rejects the rest with a location, so that for every
 * file read = loaded + rejected. Broken pipelines are refused by `etl validate` and `etl run` with file:line:col.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  buildWorkspace,
  createTestDatabase,
  etl,
  makeProject,
  parseJson,
  readJsonLines,
  removeTemps,
  tempDir,
  withConnection,
} from '../helpers/reliability-env.js';
import { malformedCsvCases, type CsvCase } from './fixtures/malformed-csv.js';

const brokenDir = join(import.meta.dirname, 'fixtures/pipelines-broken');
const stackTrace = /\n\s+at .+:\d+:\d+/;
let dataDir: string;

beforeAll(async () => {
  await buildWorkspace();
  dataDir = tempDir();
}, 600_000);
afterAll(removeTemps);

/** Known bugs in packages this suite may not edit; each test still runs and is expected to fail until fixed. */
const knownBugs: Record<string, string> = {};

async function runCase(c: CsvCase) {
  const file = join(dataDir, `${c.name}.csv`);
  writeFileSync(file, c.bytes);
  const project = makeProject();
  const db = await createTestDatabase('badcsv');
  try {
    const result = await etl(
      [
        'run',
        'babynames',
        '--profile',
        'mysql-only',
        '--json',
        '--set',
        'steps.kaggle.config.mode=file',
        '--set',
        `steps.kaggle.config.path=${file}`,
      ],
      { cwd: project.dir, env: { MYSQL_URL: db.url } },
    );
    const summary = parseJson(result);
    const names = await withConnection(db.url, async (conn) => {
      const [tables] = await conn.query<any[]>(`SHOW TABLES LIKE 'baby_names'`);
      if (tables.length === 0) return [] as string[];
      const [rows] = await conn.query<any[]>('SELECT name FROM baby_names');
      return rows.map((r) => String(r.name));
    });
    return { result, summary, names, rejects: readJsonLines(summary.rejectsFile ?? join(project.stateDir, 'none')) };
  } finally {
    await db.drop();
  }
}

describe('malformed CSV corpus', () => {
  for (const c of malformedCsvCases) {
    const bug = knownBugs[c.name];
    const title = `${c.name}: ${c.errorCode ? `stops with ${c.errorCode}` : 'read = loaded + rejected, rejects located'}${bug ? ` [KNOWN BUG: ${bug}]` : ''}`;
    (bug ? test.fails : test)(
      title,
      async () => {
        const { result, summary, names, rejects } = await runCase(c);
        const read = summary.steps?.find((s: any) => s.step === 'kaggle')?.read;
        console.log(
          `[reliability] bad-input: ${c.name}: exit ${result.code}, read ${read}, loaded ${names.length}, rejected ${rejects.length}${summary.error ? `, ${summary.error.code}` : ''}`,
        );
        expect(result.stdout + result.stderr).not.toMatch(stackTrace);
        if (c.errorCode) {
          expect(result.code).toBe(5);
          expect(summary.error.code).toBe(c.errorCode);
          expect(summary.error.message).toContain(`${c.name}.csv`);
          expect(summary.error.suggestions.length).toBeGreaterThan(0);
          expect(names).toEqual([]);
          return;
        }
        expect(result.code).toBe(0);
        const step = (name: string) => summary.steps.find((s: any) => s.step === name);
        expect(step('kaggle').read).toBe(c.records);
        // read = loaded + rejected, counted from the database and the rejects file, not from the summary alone.
        expect(names.length + rejects.length).toBe(c.records);
        expect(step('mysql').written).toBe(names.length);
        for (const r of rejects) {
          expect(r.location).toMatch(new RegExp(`^${c.name}\\.csv:\\d+$`));
          expect(String(r.reason).length).toBeGreaterThan(5);
        }
        for (const name of c.loaded ?? []) expect(names).toContain(name);
        if (c.rejectLines)
          expect(rejects.map((r) => Number(r.location.split(':').pop())).sort((a, b) => a - b)).toEqual(c.rejectLines);
        expect(names.every((n) => !n.includes('\uFFFD'))).toBe(true);
      },
      180_000,
    );
  }
});

describe('broken pipelines', () => {
  const expectations: Record<string, RegExp> = {
    'yaml-syntax.yaml': /yaml-syntax\.yaml:\d+:\d+: YAML syntax error/,
    'unknown-key.yaml':
      /unknown-key\.yaml:\d+:\d+: steps\.source\.config\.colour: unknown key[\s\S]*steps\.load\.retyr: unknown key "retyr" \(did you mean `retry`\?\)/,
    'wrong-type.yaml':
      /settings\.batchSize: must be integer[\s\S]*steps\.load\.batchSize: must be >= 1[\s\S]*steps\.load\.config\.mode: must be one of/,
    'unknown-plugin.yaml':
      /unknown-plugin\.yaml:\d+:\d+: steps\.load\.use: unknown plugin "nosuchplugin-reliability" \(tried @etl\/source-nosuchplugin-reliability/,
    'cycle.yaml': /cycle\.yaml:\d+:\d+: steps\.a\.inputs: steps form a cycle: a → b → a/,
    'missing-env.yaml':
      /missing-env\.yaml:\d+:\d+: steps\.load\.config\.url: environment variable RELIABILITY_UNSET_MYSQL_URL is not set/,
  };

  test('the fixture folder holds exactly the cases checked here', () => {
    expect(readdirSync(brokenDir).sort()).toEqual(Object.keys(expectations).sort());
  });

  for (const [file, message] of Object.entries(expectations)) {
    test(`${file}: validate and run refuse it with the place and the problem, nothing runs`, async () => {
      const project = makeProject(brokenDir);
      // --strict: without it an unset variable (missing-env.yaml) is only a warning.
      const validate = await etl(['validate', join(brokenDir, file), '--strict'], { cwd: project.dir });
      expect(validate.code).toBe(3);
      expect(validate.stdout + validate.stderr).toMatch(message);
      expect(validate.stdout + validate.stderr).not.toMatch(stackTrace);

      const run = await etl(['run', join(brokenDir, file), '--json'], { cwd: project.dir });
      expect([3, 4]).toContain(run.code);
      const out = parseJson(run);
      expect(out.error.code).toMatch(/^(CONFIG_INVALID|PLUGIN_LOAD)/);
      expect(out.error.suggestions.length + out.error.message.length).toBeGreaterThan(20);
      expect(run.stdout + run.stderr).not.toMatch(stackTrace);
      // Refused before running: no run folder was created.
      expect(readdirSync(project.dir)).not.toContain('state');
    }, 120_000);
  }
});
