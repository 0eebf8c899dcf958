import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  createLogger,
  createRejectsWriter,
  createRunFolder,
  pipelineFingerprint,
  pipelineStateDir,
  runPipeline,
  writeRunSummary,
} from '@etl/core';
import { collectSink, memorySource, numberedRecords, resolvedPipeline, tempDir } from '@etl/testing';

const SECRET = 'hunter2';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const mode = (path: string) => statSync(path).mode & 0o777;

function pipeline() {
  const source = Object.assign(memorySource(numberedRecords(5), { batchSize: 5 }), { inputVersion: async () => 'v1' });
  return resolvedPipeline(
    'salted',
    {
      src: { plugin: source },
      out: { plugin: collectSink(), input: 'src', config: { table: 'names', password: SECRET } },
    },
    { secrets: [SECRET] },
  );
}

describe('fingerprints next to a run are salted per project', () => {
  test('up-to-date.json holds neither the secret, its plain sha256, nor a fingerprint checkable without the salt', async () => {
    const stateDir = tempDir();
    const run = await runPipeline(pipeline(), { stateDir });
    expect(run.status).toBe('succeeded');
    const text = readFileSync(join(pipelineStateDir(stateDir, 'salted'), 'up-to-date.json'), 'utf8');
    const record = JSON.parse(text) as { fingerprint: string };
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(sha256(SECRET).slice(0, 16));
    // Guessing the password offline means recomputing this: without the project's salt, the guess does not match.
    expect(record.fingerprint).not.toBe(pipelineFingerprint(pipeline(), (value) => sha256(value)));
    expect(mode(join(stateDir, 'salt'))).toBe(0o600);
  });

  test('two projects give different fingerprints for the same secret', async () => {
    const fingerprints: string[] = [];
    for (const stateDir of [tempDir(), tempDir()]) {
      await runPipeline(pipeline(), { stateDir });
      fingerprints.push(
        (
          JSON.parse(readFileSync(join(pipelineStateDir(stateDir, 'salted'), 'up-to-date.json'), 'utf8')) as {
            fingerprint: string;
          }
        ).fingerprint,
      );
    }
    expect(fingerprints[0]).not.toBe(fingerprints[1]);
  });
});

describe('run folders are owner-only', () => {
  test('folders 0700, run.json, summary, rejects and log 0600, even under a permissive umask', async () => {
    const previous = process.umask(0o002);
    try {
      const stateDir = tempDir();
      const folder = await createRunFolder(stateDir, 'p');
      await writeRunSummary(folder, '{}');
      const rejects = createRejectsWriter(folder.rejectsFile);
      rejects.write('s', { reason: 'bad', location: 'x:1', record: { a: 1 } } as never);
      await rejects.close();
      const logger = createLogger({ file: folder.logFile, stream: null } as never);
      logger.info('hello');
      await (logger as unknown as { close?: () => Promise<void> }).close?.();
      expect([join(stateDir, 'runs'), folder.dir, folder.artifactsDir].map(mode)).toEqual([0o700, 0o700, 0o700]);
      expect([join(folder.dir, 'run.json'), folder.summaryFile, folder.rejectsFile, folder.logFile].map(mode)).toEqual([
        0o600, 0o600, 0o600, 0o600,
      ]);
    } finally {
      process.umask(previous);
    }
  });
});
