/** What the `pipedrive` sink is: name, schema, batch size, default rate and config check. */
import { baseUrlProblem, compileTemplate, type ConfigProblem } from '@etl/core';
import { configSchema, type PipedriveConfig } from './config.js';
import { rateLimitOf } from './limits.js';

/** `etl validate`: an http:// baseUrl to another host would send the token in clear; every template must compile. */
function checkConfig(config: PipedriveConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const insecure = baseUrlProblem(config.baseUrl, config.allowInsecureHttp);
  if (insecure) problems.push({ path: 'baseUrl', message: insecure });
  const templates: Array<[string, string]> = [
    ['name', config.name],
    ['email', config.email],
    ...Object.entries(config.customFields).map(([f, t]): [string, string] => [`customFields.${f}`, t]),
  ];
  for (const [path, source] of templates) {
    try {
      compileTemplate(source);
    } catch (error) {
      problems.push({ path, message: (error as Error).message });
    }
  }
  return problems;
}

export const pipedriveMeta = {
  name: 'pipedrive',
  description:
    'Upserts Pipedrive persons by email, one request each (v2 has no batch), sending only what changed, within the burst limit and the daily token budget.',
  configSchema,
  batchSize: 500,
  /** The plan's burst limit for the kind of token, unless the step names a shared `limiter:`. */
  rateLimit: rateLimitOf,
  checkConfig,
};
