// Benchmark: 3 `etl worker` processes (2 runs at a time each) take 6 queued runs of a HubSpot pipeline, all against
// one HubSpot stand-in at 100 requests per rolling 10 s, with the limiter shared through Redis (`store: redis`).
// Figures: the span from the portal's first to its last request against the floor the limit sets (request k can start
// at floor(k / 100) x 10 s at the earliest), the peak in a rolling 10 s (the stand-in counts) and the 429s.
//
// Run alone (Redis on REDIS_URL or 127.0.0.1:6379):  npx tsc -b && node packages/queue/bench/workers.bench.js
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHubspotSandbox } from '@etl/sandbox';
import { Redis } from 'ioredis';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = join(root, 'packages/cli/bin/run.js');
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 5000); // per run: names x 2 sexes
const RUNS = 6;

function etl(args, cwd, env) {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return { child, done, stderr: () => stderr };
}

/** A project folder: a CSV of CONTACTS / 2 names in 2 years, and RUNS pipelines without MySQL, one domain each. */
function makeProject(dir) {
  const lines = ['YearOfBirth,Name,Sex,Number'];
  for (let i = 0; i < CONTACTS / 2; i++) for (const sex of ['F', 'M']) lines.push(`2000,Name${i},${sex},5`);
  writeFileSync(join(dir, 'names.csv'), `${lines.join('\n')}\n`);
  const source = readFileSync(join(root, 'pipelines/babynames.yaml'), 'utf8');
  mkdirSync(join(dir, 'pipelines'));
  for (let i = 1; i <= RUNS; i++) {
    const text = source
      .replace('@babynames.example.com', `@w${i}.example.com`)
      .replace(/\n {2}mysql:\n[\s\S]*?\n(?= {2}distinct:)/, '\n');
    writeFileSync(join(dir, 'pipelines', `w${i}.yaml`), text);
  }
  const defaults = { limiters: { hubspot: { store: 'redis' } } };
  writeFileSync(join(dir, 'etl.config.json'), JSON.stringify({ stateDir: join(dir, 'state'), defaults }));
}

const bench = {
  name: `queue: ${RUNS} runs x ${CONTACTS.toLocaleString('en-US')} contacts on 3 workers, one portal at 100 / 10 s`,
  async run() {
    const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
    const prefix = `etl-bench-${process.pid}`;
    const hubspot = await startHubspotSandbox({ port: 0, host: '127.0.0.1', rate: '100/10s' });
    const dir = mkdtempSync(join(tmpdir(), 'etl-queue-bench-'));
    makeProject(dir);
    const env = {
      ...process.env,
      HUBSPOT_BASE_URL: hubspot.baseUrl,
      HUBSPOT_ACCESS_TOKEN: hubspot.token,
      KAGGLE_MODE: 'file',
      REDIS_URL: redisUrl,
      ETL_REDIS_PREFIX: prefix,
    };
    const workers = [1, 2, 3].map(() => etl(['worker', '--concurrency', '2'], dir, env));
    try {
      while (!workers.every((w) => /taking runs/.test(w.stderr()))) await new Promise((r) => setTimeout(r, 100));
      const span = { first: 0, last: 0, seen: 0 };
      const sampler = setInterval(() => {
        const seen = hubspot.stats().requests;
        if (seen > span.seen) [span.last, span.seen] = [performance.now(), seen];
        if (seen > 0 && !span.first) span.first = performance.now();
      }, 10);
      const started = performance.now();
      const path = ['--set', `steps.kaggle.config.path=${join(dir, 'names.csv')}`];
      const runs = Array.from({ length: RUNS }, (_, i) => etl(['enqueue', `w${i + 1}`, '--wait', ...path], dir, env));
      const results = await Promise.all(runs.map((r) => r.done));
      clearInterval(sampler);
      const wallSeconds = (performance.now() - started) / 1000;
      const failed = results.filter((r) => r.code !== 0);
      if (failed.length > 0) throw new Error(`${failed.length} runs failed:\n${failed[0].stderr.slice(-2000)}`);
      const stats = hubspot.stats();
      const floorSeconds = Math.floor((stats.requests - 1) / 100) * 10;
      const spanSeconds = (span.last - span.first) / 1000;
      return {
        requests: stats.requests,
        hubspotSpanSeconds: Number(spanSeconds.toFixed(2)),
        floorSeconds,
        spanOverFloor: Number((spanSeconds / floorSeconds).toFixed(3)),
        enqueueToLastExitSeconds: Number(wallSeconds.toFixed(2)),
        peakInRolling10s: stats.peakInWindow,
        rateLimited429: Object.values(stats.rateLimited).reduce((a, b) => a + b, 0),
        contacts: hubspot.contacts().length,
      };
    } finally {
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.done));
      await hubspot.close();
      const redis = new Redis(redisUrl);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;

if (import.meta.url === `file://${process.argv[1]}`) console.log(await bench.run());
