import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { FatalError, createLogger, redactSecrets } from '@etl/core';
import { tempDir as tempStateDir } from '@etl/testing';

const capture = () => {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
};

describe('logger and redaction', () => {
  const secret = 'pa$$:w0rd/+#1';

  test('redactSecrets masks raw, URL-encoded, JSON-escaped and base64 forms', () => {
    const basic = Buffer.from(`root:${secret}`).toString('base64');
    const text = [
      `password=${secret}`,
      `mysql://root:${encodeURIComponent(secret)}@db/x`,
      JSON.stringify({ pw: `a"${secret}` }),
      `Authorization: Basic ${basic}`,
      `token ${Buffer.from(secret).toString('base64')}`,
    ].join('\n');
    const out = redactSecrets(text, [secret]);
    expect(out).not.toContain(secret);
    expect(out).not.toContain(encodeURIComponent(secret));
    expect(out).not.toContain(Buffer.from(secret).toString('base64').slice(0, 12));
    expect(out).not.toContain(basic.slice(8, 20));
    expect(out.match(/\*\*\*/g)!.length).toBeGreaterThanOrEqual(5);
    expect(redactSecrets('nothing here', [secret])).toBe('nothing here');
  });

  test('every line is redacted on the stream and in the file, including fields, errors and later secrets', async () => {
    const dir = tempStateDir();
    const file = join(dir, 'run.log');
    const out = capture();
    const logger = createLogger({ format: 'pretty', stream: out.stream, file, secrets: [secret] });
    logger.info(`connecting with ${secret}`, { url: `https://x/?key=${encodeURIComponent(secret)}` });
    logger
      .child({ step: 'mysql' })
      .error('failed', { error: new FatalError(`Access denied using password ${secret}`) });
    logger.addSecret('tok-123456');
    logger.warn('got tok-123456 back');
    logger.debug('hidden below info');
    await logger.close();
    const pretty = out.text();
    const json = readFileSync(file, 'utf8');
    for (const text of [pretty, json]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(encodeURIComponent(secret));
      expect(text).not.toContain('tok-123456');
      expect(text).not.toContain('hidden below info');
    }
    const parsed = json
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(parsed).toHaveLength(3);
    expect(parsed[1]).toMatchObject({ level: 'error', step: 'mysql', error: { name: 'FatalError', code: 'FATAL' } });
    expect(parsed[1].error.message).toBe('Access denied using password ***');
    expect(pretty).toContain('ERROR [mysql] failed');
  });

  describe('flush', () => {
    /** flush() or a timeout: a flush that never resolves fails the test instead of hanging it. */
    const settled = (promise: Promise<void>) =>
      Promise.race([
        promise.then(() => 'flushed'),
        new Promise((resolve) => setTimeout(() => resolve('still waiting after 2 s'), 2_000)),
      ]);

    test('resolves once a few lines (far below the buffer limit) are in the file, and the file stays open', async () => {
      const file = join(tempStateDir(), 'run.log');
      const logger = createLogger({ stream: null, file });
      logger.info('one');
      logger.info('two');
      expect(await settled(logger.flush())).toBe('flushed');
      expect(
        readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).msg),
      ).toEqual(['one', 'two']);
      logger.info('three');
      expect(await settled(logger.flush())).toBe('flushed');
      expect(readFileSync(file, 'utf8')).toContain('"three"');
      await logger.close();
    });

    test('resolves after the buffer overflowed, with every line written', async () => {
      const file = join(tempStateDir(), 'run.log');
      const logger = createLogger({ stream: null, file });
      const big = 'x'.repeat(1_000);
      for (let i = 0; i < 200; i++) logger.info(big, { i });
      expect(await settled(logger.flush())).toBe('flushed');
      expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(200);
      await logger.close();
    });

    test('resolves at once with nothing written, with no file, and after close', async () => {
      expect(await settled(createLogger({ stream: null }).flush())).toBe('flushed');
      const logger = createLogger({ stream: null, file: join(tempStateDir(), 'run.log') });
      expect(await settled(logger.flush())).toBe('flushed');
      await logger.close();
      expect(await settled(logger.flush())).toBe('flushed');
    });
  });
});
