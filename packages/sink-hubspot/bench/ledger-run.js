// Child of ledger.bench.js: one `runPipeline` of a generated source of CONTACTS distinct contacts into the HubSpot sink
// (dist/), in a process of its own so its peak RSS is the sync's alone. Prints the summary as JSON.
import { setFlagsFromString } from 'node:v8';
import { applyConfigDefaults, runPipeline } from '@etl/core';
import { memorySource } from '@etl/testing';
import hubspotSink, { configSchema } from '@etl/sink-hubspot';

// The heap setting `etl` itself runs with (packages/cli/bin/run.js), so the figure is the CLI's.
setFlagsFromString('--heap-growing-percent=50');

const { CONTACTS, STATE_DIR, HUBSPOT_BASE_URL, HUBSPOT_TOKEN, ETL_STATE_URL } = process.env;
// ETL_STATE_URL=mysql://…: the ledger in the shared state store (@etl/state-mysql) instead of the embedded one.
const stateStore = ETL_STATE_URL
  ? await (await import('@etl/state-mysql')).openMysqlStateStore(ETL_STATE_URL)
  : undefined;
const total = Number(CONTACTS);

// Distinct name + sex records, made one at a time as the runtime asks (memorySource resumes at its position).
const generator = memorySource((i) => (i < total ? { name: `Name${i}`, sex: i % 2 ? 'M' : 'F' } : undefined), {
  name: 'generator',
  label: 'generator',
  batchSize: 5000,
});

// A ResolvedPipeline's configs carry their schema defaults, as `etl run` resolves them.
const config = applyConfigDefaults(configSchema, {
  baseUrl: HUBSPOT_BASE_URL,
  accessToken: HUBSPOT_TOKEN,
  rate: { max: 100_000, per: '10s' },
  dailyLimit: null,
  properties: { email: '{{ name | slug }}.{{ sex | lower }}@babynames.example.com', firstname: '{{ name }}' },
});
const step = (name, kind, use, plugin, config, inputs) => ({ name, kind, use, from: 'bench', plugin, config, inputs });
const summary = await runPipeline(
  {
    name: 'ledger',
    file: 'ledger.yaml',
    steps: [
      step('generator', 'source', 'generator', generator, {}, []),
      step('hubspot', 'sink', 'hubspot', hubspotSink(), config, ['generator']),
    ],
    limiters: {},
    secrets: [HUBSPOT_TOKEN],
  },
  { stateDir: STATE_DIR, stateStore },
);
await stateStore?.close();
const sink = summary.steps.find((s) => s.step === 'hubspot');
process.stdout.write(
  `${JSON.stringify({ status: summary.status, error: summary.error?.message, written: sink.written, unchanged: sink.unchanged })}\n`,
);
process.exit(0);
