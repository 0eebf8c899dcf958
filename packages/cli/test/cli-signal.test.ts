import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RunSummary } from '@etl/core';
import { buildCli, etl, makeProject, readLines, removeProjects, startEtl } from './helpers.js';

beforeAll(buildCli, 600_000);
afterAll(removeProjects);

const lineCount = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;

test('SIGINT during a slow source: clean stop, exit 130, and the next run resumes without loss or repeats', async () => {
  const project = makeProject();
  const out = join(project, 'slow.jsonl');
  const args = [
    'run',
    'slow',
    '--set',
    'steps.source.config.count=300',
    '--set',
    'steps.source.config.delayMs=50',
    '--json',
  ];
  const first = startEtl(args, { cwd: project });
  // Signal only once records are flowing: startup on a loaded machine takes seconds.
  const deadline = Date.now() + 60_000;
  while (lineCount(out) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(lineCount(out)).toBeGreaterThan(0);
  first.child.kill('SIGINT');
  const stopped = await first.done;
  expect(stopped.code).toBe(130);
  const summary = JSON.parse(stopped.stdout) as RunSummary;
  expect(summary.status).toBe('interrupted');
  expect(summary.error?.code).toBe('INTERRUPTED');
  const written = summary.steps.find((s) => s.step === 'out')!.written;
  expect(written).toBeLessThan(300);
  expect(lineCount(out)).toBe(written);

  const second = await etl(args, { cwd: project });
  expect(second.code).toBe(0);
  const resumed = JSON.parse(second.stdout) as RunSummary;
  expect(resumed).toMatchObject({ status: 'succeeded', resumed: true });
  expect(resumed.steps.find((s) => s.step === 'out')!.written).toBe(300 - written);
  expect(readLines(out).map((r) => r.id)).toEqual([...Array(300).keys()]);
}, 300_000);
