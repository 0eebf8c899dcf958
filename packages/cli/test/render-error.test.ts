import { describe, expect, test } from 'vitest';
import { ConfigError, EtlError, FatalError, ExitCode, RetriesExhaustedError } from '@etl/core';
import { renderError } from '../src/render-error.js';
import { addSecrets } from '../src/secrets.js';
import { summarizeRejects } from '../src/render/rejects.js';

describe('renderError', () => {
  test('an EtlError: message, code, cause, suggestions, and its exit code', () => {
    const error = new RetriesExhaustedError('Gave up on HubSpot after 6 attempts', {
      code: 'HUBSPOT_RETRIES',
      suggestions: ['Run the same command later to resume.'],
      cause: new Error('socket hang up'),
    });
    const r = renderError(error);
    expect(r.exitCode).toBe(ExitCode.retriesExhausted);
    expect(r.text).toBe(
      'Error: Gave up on HubSpot after 6 attempts\nCode: HUBSPOT_RETRIES\nCaused by: socket hang up\nTry this:\n  - Run the same command later to resume.',
    );
    expect(r.json.error).toEqual({
      code: 'HUBSPOT_RETRIES',
      message: 'Gave up on HubSpot after 6 attempts',
      exitCode: 6,
      suggestions: ['Run the same command later to resume.'],
    });
  });

  test('a ConfigError lists each issue as file:line:col: path: message, once', () => {
    const issue = {
      file: `${process.cwd()}/pipelines/x.yaml`,
      line: 12,
      col: 7,
      path: 'steps.load.config.batchSize',
      message: 'must be integer',
    };
    const r = renderError(new ConfigError('Pipeline x has 1 problem', [issue]));
    expect(r.exitCode).toBe(3);
    expect(r.text.split('\n')).toEqual([
      'Error: Pipeline x has 1 problem',
      '  pipelines/x.yaml:12:7: steps.load.config.batchSize: must be integer',
      'Code: CONFIG_INVALID',
    ]);
  });

  test('secrets are masked everywhere, including causes', () => {
    addSecrets(['hunter2-password']);
    const r = renderError(
      new FatalError('Access denied for root:hunter2-password@db', { cause: new Error('auth hunter2-password') }),
    );
    expect(r.text).not.toContain('hunter2-password');
    expect(r.text).toContain('root:***@db');
    expect(JSON.stringify(r.json)).not.toContain('hunter2-password');
  });

  test('anything else is a bug: short message, no stack unless debugging', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    const quiet = renderError(bug);
    expect(quiet.exitCode).toBe(1);
    expect(quiet.text).toContain("Error: Cannot read properties of undefined (reading 'x')");
    expect(quiet.text).toContain('This is a bug in etl');
    expect(quiet.text).not.toContain('at ');
    expect(renderError(bug, { debug: true }).text).toContain(bug.stack!.split('\n')[1].trim());
    expect(new EtlError('x').exitCode).toBe(1);
  });
});

describe('summarizeRejects', () => {
  test('counts by step and groups reasons that differ only in the value', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'etl-rejects-')), 'rejects.jsonl');
    const line = (step: string, location: string, reason: string) => `${JSON.stringify({ step, location, reason })}\n`;
    writeFileSync(
      file,
      line('typed', 'a.csv:2', 'year: 18x0 is not an integer') +
        line('typed', 'a.csv:9', 'year: 19y1 is not an integer') +
        line('typed', 'a.csv:12', 'sex: "X" is not one of F, M') +
        line('hubspot', 'ann@x', 'INVALID_EMAIL') +
        '{"step":"typed","loc', // a torn last line
    );
    const summary = await summarizeRejects(file);
    expect(summary.total).toBe(4);
    expect(summary.byStep).toEqual([
      {
        step: 'typed',
        count: 3,
        topReasons: [
          { reason: 'year: … is not an integer', count: 2, example: 'a.csv:2' },
          { reason: 'sex: … is not one of F, M', count: 1, example: 'a.csv:12' },
        ],
      },
      { step: 'hubspot', count: 1, topReasons: [{ reason: 'INVALID_EMAIL', count: 1, example: 'ann@x' }] },
    ]);
    expect(await summarizeRejects(join(tmpdir(), 'no-such-rejects.jsonl'))).toEqual({ total: 0, byStep: [] });
  });
});
