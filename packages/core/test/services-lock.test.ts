import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { acquireLock, FatalError, processStartTime } from '@etl/core';
import { tempDir } from '@etl/testing';

const RACER = fileURLToPath(new URL('./fixtures/lock/racer.mjs', import.meta.url));
const RACERS = 8;
const ROUNDS = 50;

/** A child process that takes and releases the lock on command (see fixtures/lock/racer.mjs). */
class Racer {
  private readonly lines: string[] = [];
  private waiting: ((line: string) => void) | undefined;
  readonly child: ChildProcess;

  constructor() {
    this.child = spawn(process.execPath, [RACER], { stdio: ['pipe', 'pipe', 'inherit'] });
    let buffer = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      buffer += String(chunk);
      for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const waiting = this.waiting;
        this.waiting = undefined;
        if (waiting) waiting(line);
        else this.lines.push(line);
      }
    });
  }

  next(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`racer ${this.child.pid} did not answer`)), 20_000);
      this.waiting = (l) => {
        clearTimeout(timer);
        resolve(l);
      };
    });
  }

  async send(command: string): Promise<string> {
    this.child.stdin!.write(`${command}\n`);
    return this.next();
  }

  /** SIGKILL, as a crash would: the lock it holds stays behind, naming a dead pid. */
  kill(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }
}

const started = async (): Promise<Racer> => {
  const racer = new Racer();
  expect(await racer.next()).toBe('ready');
  return racer;
};

/** Sends `take` to every racer at once and returns their answers. */
const race = (racers: Racer[], dir: string) => Promise.all(racers.map((r) => r.send(`take ${dir}`)));

/** A pid no process has right now (a child that has exited). */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('pipeline lock', () => {
  let racers: Racer[] = [];
  beforeAll(async () => {
    racers = await Promise.all(Array.from({ length: RACERS }, started));
  }, 30_000);
  afterAll(async () => {
    await Promise.all(racers.map((r) => r.kill()));
  });

  test(`${RACERS} processes taking over a stale lock at once: exactly one wins, ${ROUNDS} times over`, async () => {
    const dir = tempDir();
    let previous = 0;
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        // A holder that crashed: a real process takes the lock and is SIGKILLed.
        const holder = await started();
        expect(await holder.send(`take ${dir}`)).toMatch(/^won /);
        await holder.kill();
      } else {
        // A lock file naming a pid that no longer exists.
        const top = Math.max(0, ...readdirSync(dir).map((f) => Number(/^checkpoint\.lock\.(\d+)$/.exec(f)?.[1] ?? 0)));
        writeFileSync(
          join(dir, `checkpoint.lock.${top + 1}`),
          JSON.stringify({ pid: deadPid(), start: '1', host: hostname(), nonce: 'x' }),
        );
      }
      const answers = await race(racers, dir);
      const winners = answers.map((a, i) => [a, i] as const).filter(([a]) => a.startsWith('won '));
      expect(winners, `round ${round}: ${answers.join(' | ')}`).toHaveLength(1);
      expect(answers.filter((a) => a.startsWith('lost ')).every((a) => a.startsWith('lost PIPELINE_LOCKED '))).toBe(
        true,
      );
      const generation = Number(winners[0][0].split(' ')[1]);
      expect(generation).toBeGreaterThan(previous);
      previous = generation;
      expect(await racers[winners[0][1]].send('release')).toBe('released');
    }
    // Lower generations are cleaned up: the folder does not grow with every takeover.
    expect(readdirSync(dir).length).toBeLessThanOrEqual(3);
  }, 90_000);

  test('a live holder blocks every other process, and its released lock is taken by exactly one', async () => {
    const dir = tempDir();
    const mine = acquireLock(dir);
    const answers = await race(racers, dir);
    expect(answers).toEqual(Array(RACERS).fill(`lost PIPELINE_LOCKED ${process.pid}`));
    const error = (() => {
      try {
        acquireLock(dir);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(FatalError);
    expect((error as FatalError).message).toContain(`process ${process.pid}`);
    mine.release();
    const after = await race(racers, dir);
    const winner = after.findIndex((a) => a.startsWith('won '));
    expect(after.filter((a) => a.startsWith('won '))).toHaveLength(1);
    await racers[winner].send('release');
  });

  test('a live pid with another start time is a dead holder (the pid was reused)', () => {
    const dir = tempDir();
    expect(processStartTime(process.pid)).toMatch(/^\d+$/);
    writeFileSync(
      join(dir, 'checkpoint.lock.4'),
      JSON.stringify({ pid: process.pid, start: '1', host: hostname(), nonce: 'old' }),
    );
    const lock = acquireLock(dir);
    expect(lock.generation).toBe(5);
    lock.release();
    // The same pid with its real start time is alive: refused.
    writeFileSync(
      join(dir, 'checkpoint.lock.9'),
      JSON.stringify({ pid: process.pid, start: processStartTime(process.pid), host: hostname(), nonce: 'me' }),
    );
    expect(() => acquireLock(dir)).toThrow(/process \d+/);
  });

  test('a lock taken on another host is never taken over, and the error says how to remove it', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'checkpoint.lock.1'),
      JSON.stringify({ pid: deadPid(), start: '1', host: 'elsewhere.example', nonce: 'x' }),
    );
    let error: FatalError | undefined;
    try {
      acquireLock(dir);
    } catch (e) {
      error = e as FatalError;
    }
    expect(error?.code).toBe('PIPELINE_LOCKED');
    expect(error?.message).toContain('on host elsewhere.example');
    expect(error?.suggestions.join(' ')).toContain(`delete ${join(dir, 'checkpoint.lock.*')}`);
  });
});
