import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildCli, etl, makeProject, removeProjects } from './helpers.js';

beforeAll(buildCli, 600_000);
afterAll(removeProjects);

describe('etl docs', { timeout: 120_000 }, () => {
  test('a page per plugin from its schema; --check fails on a stale, missing or extra page; hand-written pages stay', async () => {
    const project = makeProject();
    const out = join(project, 'ref');
    const first = await etl(['docs', '--out', 'ref'], { cwd: project });
    expect(first.code, first.stderr).toBe(0);
    expect(readdirSync(out)).toEqual(expect.arrayContaining(['README.md', 'hubspot.md', 'kaggle.md', 'filter.md']));
    const hubspot = readFileSync(join(out, 'hubspot.md'), 'utf8');
    expect(hubspot).toContain('# `hubspot` (sink)');
    expect(hubspot).toContain('| `accessToken` | string | yes |  | **Secret.**');
    expect(hubspot).toContain('| `concurrency` | integer |  | `4` |');
    expect(hubspot).toContain('      accessToken: ${env:HUBSPOT_ACCESS_TOKEN}');
    expect((await etl(['docs', '--out', 'ref', '--check'], { cwd: project })).code).toBe(0);

    writeFileSync(join(out, 'notes.md'), '# Hand-written\n');
    writeFileSync(join(out, 'kaggle.md'), 'edited by hand');
    writeFileSync(join(out, 'gone.md'), readFileSync(join(out, 'filter.md'), 'utf8'));
    const stale = await etl(['docs', '--out', 'ref', '--check'], { cwd: project });
    expect(stale.code).toBe(3);
    expect(stale.stderr).toContain('kaggle.md (missing or changed), gone.md (no such plugin)');
    expect((await etl(['docs', '--out', 'ref'], { cwd: project })).stdout).toContain('1 written, 1 removed');
    expect(existsSync(join(out, 'gone.md'))).toBe(false);
    expect(existsSync(join(out, 'notes.md'))).toBe(true);
  });
});
