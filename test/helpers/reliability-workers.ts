/**
 * Workers for the reliability suite: `etl worker` processes in a stack's project folder, each test under its own
 * Redis key prefix (queue, schedules and shared limiters), removed afterwards.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot, startEtl, waitFor, type EtlProcess } from './reliability-env.js';
import type { Stack } from './reliability-stack.js';

const { Redis } = createRequire(join(repoRoot, 'packages/queue/package.json'))('ioredis') as typeof import('ioredis');

export const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

export const uniquePrefix = (label: string) =>
  `etl-test-${label}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

/** Deletes every key under `prefix` (BullMQ's queue and the limiters'). */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    await redis.quit();
  }
}

/** Adds `defaults` to the stack's project config (`etl.config.json`), e.g. `{ limiters: { hubspot: { store: 'redis' } } }`. */
export function setProjectDefaults(stack: Stack, defaults: Record<string, unknown>): void {
  const file = join(stack.project.dir, 'etl.config.json');
  const config = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify({ ...config, defaults }, null, 2));
}

/** Where a worker or CLI call runs: another project folder stands for another host; `env` adds variables. */
export interface Place {
  cwd?: string;
  env?: Record<string, string>;
}

export interface Workers {
  env: Record<string, string>;
  list: EtlProcess[];
  start(concurrency?: number, place?: Place): Promise<EtlProcess>;
  etl(args: string[], place?: Place): EtlProcess;
  /** SIGTERM to every worker still running, and their exits. */
  stopAll(): Promise<void>;
}

/** Worker processes and CLI calls in the stack's project, all under `prefix`. */
export function workersFor(stack: Stack, prefix: string): Workers {
  const env = { ...stack.env, KAGGLE_MODE: 'api', REDIS_URL: redisUrl, ETL_REDIS_PREFIX: prefix };
  const list: EtlProcess[] = [];
  const etl = (args: string[], place: Place = {}) =>
    startEtl(args, { cwd: place.cwd ?? stack.project.dir, env: { ...env, ...place.env } });
  return {
    env,
    list,
    etl,
    async start(concurrency = 1, place: Place = {}) {
      const worker = etl(['worker', '--concurrency', String(concurrency)], place);
      list.push(worker);
      const ready = await waitFor(() => /taking runs/.test(worker.output().stderr), 30_000);
      if (!ready) throw new Error(`the worker did not start:\n${worker.output().stderr}`);
      return worker;
    },
    async stopAll() {
      for (const w of list) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
      await Promise.all(list.map((w) => w.done));
    },
  };
}
