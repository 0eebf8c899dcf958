// Child of ledger.bench.js: one `runPipeline` of a generated source of CONTACTS distinct contacts into the HubSpot sink
// (dist/), in a process of its own so its peak RSS is the sync's alone. Prints the summary as JSON.
import { setFlagsFromString } from 'node:v8';
import { defineSource, runPipeline } from '@etl/core';
import hubspotSink, { withDefaults } from '@etl/sink-hubspot';

// The heap setting `etl` itself runs with (packages/cli/bin/run.js), so the figure is the CLI's.
setFlagsFromString('--heap-growing-percent=50');

const { CONTACTS, STATE_DIR, HUBSPOT_BASE_URL, HUBSPOT_TOKEN } = process.env;
const total = Number(CONTACTS);

const generator = defineSource({
  name: 'generator',
  configSchema: { type: 'object' },
  async *read(_ctx, _config, from) {
    let next = typeof from === 'number' ? from : 0;
    while (next < total) {
      const records = [];
      for (; next < total && records.length < 5000; next++)
        records.push({ name: `Name${next}`, sex: next % 2 ? 'M' : 'F' });
      yield { records, position: next };
    }
  },
});

const config = withDefaults({
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
  { stateDir: STATE_DIR },
);
const sink = summary.steps.find((s) => s.step === 'hubspot');
process.stdout.write(
  `${JSON.stringify({ status: summary.status, error: summary.error?.message, written: sink.written, unchanged: sink.unchanged })}\n`,
);
process.exit(0);
