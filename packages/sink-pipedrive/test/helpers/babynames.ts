/** Babynames-shaped records and the config the babynames pipeline gives the sink, against a Pipedrive stand-in. */
import { applyConfigDefaults, type DataRecord } from '@etl/core';
import { configSchema, type PipedriveConfig, type PipedriveConfigInput } from '@etl/sink-pipedrive';

export const SEX_FIELD = 'Baby name sex';

/** `n` distinct name + sex records with the pipeline's deterministic email. */
export function names(n: number, offset = 0): DataRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const k = i + offset;
    const name = `Name${k}`;
    const sex = k % 2 === 0 ? 'F' : 'M';
    return { name, sex, email: `${name.toLowerCase()}.${sex.toLowerCase()}@babynames.example.com` };
  });
}

export function babyNamesConfig(
  baseUrl: string,
  apiToken: string,
  more: Partial<PipedriveConfigInput> = {},
): PipedriveConfig {
  return applyConfigDefaults(configSchema, {
    baseUrl,
    apiToken,
    name: '{{ name }}',
    email: '{{ email }}',
    customFields: { [SEX_FIELD]: '{{ sex }}' },
    ensureFields: [{ name: SEX_FIELD, type: 'enum', options: ['F', 'M'] }],
    plan: 'advanced',
    // Pacing is not what these tests are about: the stand-in's burst is raised to match.
    rateMax: 1000,
    concurrency: 8,
    ...more,
  });
}
