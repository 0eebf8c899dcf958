// Benchmark: sync 20,000 contacts to the HubSpot sandbox limited to 100 requests per rolling 10 s, through core's
// runtime and the real sink (built dist/). The floor that limit sets is 200 upsert requests → 20 s; target ≤ 22 s.
//
// Run alone:  npx tsc -b packages/sink-hubspot packages/sandbox && node packages/sink-hubspot/bench/sync.bench.js
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyConfigDefaults } from '@etl/core';
import { startHubspotSandbox } from '@etl/sandbox';
import hubspotSink, { configSchema } from '@etl/sink-hubspot';
import { refused, runIfMain, syncNames, upserts } from '../../../bench/helpers.js';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 20_000);

const bench = {
  name: 'sink-hubspot: 20,000 contacts at 100 requests / 10 s',
  async run() {
    const sandbox = await startHubspotSandbox({ port: 0, host: '127.0.0.1', rate: '100/10s' });
    const stateDir = mkdtempSync(join(tmpdir(), 'etl-hubspot-bench-'));
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
    try {
      const config = applyConfigDefaults(configSchema, {
        baseUrl: sandbox.baseUrl,
        accessToken: sandbox.token,
        tier: 'free',
        properties: {
          email: '{{ name | slug }}.{{ sex | lower }}@babynames.example.com',
          firstname: '{{ name }}',
          babyname_sex: '{{ sex }}',
        },
        ensureProperties: [
          {
            name: 'babyname_sex',
            label: 'Baby name sex',
            type: 'enumeration',
            fieldType: 'select',
            options: [
              { label: 'Female', value: 'F' },
              { label: 'Male', value: 'M' },
            ],
          },
        ],
      });
      const step = { name: 'hubspot', from: '@etl/sink-hubspot', plugin: hubspotSink(), config };
      const { seconds, step: sink } = await syncNames(CONTACTS, step, { stateDir, secrets: [sandbox.token] });
      const stats = sandbox.stats();
      const floorSeconds = (Math.ceil(CONTACTS / 100) / 100) * 10; // 100 contacts a request; 100 requests per 10 s
      return {
        contacts: sandbox.contacts().length,
        seconds: Number(seconds.toFixed(2)),
        floorSeconds,
        ratioToFloor: Number((seconds / floorSeconds).toFixed(3)),
        requestsSent: stats.requests,
        upsertRequests: upserts(stats),
        http429: refused(stats),
        retries: sink?.counters.retries ?? 0,
        contactsPerSecond: Math.round(CONTACTS / seconds),
        peakRssMb: Math.round(peakRss / 1024 / 1024),
      };
    } finally {
      clearInterval(sampler);
      await sandbox.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  },
};

export default bench;

await runIfMain(import.meta.url, bench);
