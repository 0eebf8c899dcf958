/** Every pipeline the project ships validates, under every profile it defines (what `etl validate` checks in CI). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { formatIssue, preparePipeline } from '@etl/core';
import { repoRoot } from '../helpers/paths.js';

const shipped = [
  ...readdirSync(join(repoRoot, 'pipelines'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(repoRoot, 'pipelines', f)),
  join(repoRoot, 'examples/sink-jsonl/pipeline.yaml'),
];

describe.each(shipped)('%s', (file) => {
  const profiles = Object.keys((parse(readFileSync(file, 'utf8')) as { profiles?: object }).profiles ?? {});
  test.each([undefined, ...profiles])('profile %s: no issues', async (profile) => {
    const { issues, pipeline } = await preparePipeline(file, { cwd: repoRoot, profile, allowUnsetEnv: true });
    expect(issues.map(formatIssue)).toEqual([]);
    expect(pipeline.steps.length).toBeGreaterThan(0);
  });
});

test('the babynames profiles do what their comments say', async () => {
  const file = join(repoRoot, 'pipelines/babynames.yaml');
  const steps = async (profile?: string) =>
    (await preparePipeline(file, { cwd: repoRoot, profile, allowUnsetEnv: true })).pipeline.steps;
  const config = (list: Awaited<ReturnType<typeof steps>>, name: string) => list.find((s) => s.name === name)?.config;
  expect(config(await steps('demo'), 'hubspot')?.limit).toBe(50);
  expect(config(await steps('full'), 'hubspot')?.limit ?? null).toBeNull();
  expect((await steps('mysql-only')).map((s) => s.name)).toEqual(['kaggle', 'typed', 'years', 'mysql']);
});
