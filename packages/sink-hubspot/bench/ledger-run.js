// Child of ledger.bench.js: one `runPipeline` of a generated source of CONTACTS distinct contacts into the HubSpot sink
// (dist/), in a process of its own so its peak RSS is the sync's alone. Prints the summary as JSON.
import { applyConfigDefaults } from '@etl/core';
import hubspotSink, { configSchema } from '@etl/sink-hubspot';
import { sizeYoungGeneration, syncNames, tuneHeap } from '../../../bench/helpers.js';

// The heap settings `etl run` gives this step (packages/cli/src/heap.ts: paced by the plugin's rate, so the young
// generation stays capped), so the figure is the CLI's; BENCH_YOUNG_GENERATION=v8 measures V8's own sizing instead.
tuneHeap();

const { CONTACTS, STATE_DIR, HUBSPOT_BASE_URL, HUBSPOT_TOKEN, ETL_STATE_URL } = process.env;
// ETL_STATE_URL=mysql://…: the ledger in the shared state store (@etl/state-mysql) instead of the embedded one.
const stateStore = ETL_STATE_URL
  ? await (await import('@etl/state-mysql')).openMysqlStateStore(ETL_STATE_URL)
  : undefined;

// A ResolvedPipeline's configs carry their schema defaults, as `etl run` resolves them.
const config = applyConfigDefaults(configSchema, {
  baseUrl: HUBSPOT_BASE_URL,
  accessToken: HUBSPOT_TOKEN,
  rate: { max: 100_000, per: '10s' },
  dailyLimit: null,
  properties: { email: '{{ name | slug }}.{{ sex | lower }}@babynames.example.com', firstname: '{{ name }}' },
});
const sink = { name: 'hubspot', from: 'bench', plugin: hubspotSink(), config };
sizeYoungGeneration({ steps: process.env.BENCH_YOUNG_GENERATION === 'v8' ? [] : [{ ...sink, kind: 'sink' }] });
const { step } = await syncNames(Number(CONTACTS), sink, {
  stateDir: STATE_DIR,
  stateStore,
  secrets: [HUBSPOT_TOKEN],
  name: 'ledger',
}).finally(() => stateStore?.close());
process.stdout.write(`${JSON.stringify({ status: 'succeeded', written: step.written, unchanged: step.unchanged })}\n`);
process.exit(0);
