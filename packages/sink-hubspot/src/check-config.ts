import { baseUrlProblem, compileTemplate, type ConfigProblem } from '@etl/core';
import type { HubspotConfig } from './config.js';

/**
 * `etl validate`: a plain `http://` baseUrl to another host would send the token in clear, and every `properties`
 * template must compile (a typo in a filter shows before any request).
 */
export function checkHubspotConfig(config: HubspotConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const insecure = baseUrlProblem(config.baseUrl, config.allowInsecureHttp);
  if (insecure) problems.push({ path: 'baseUrl', message: insecure });
  for (const [property, source] of Object.entries(config.properties ?? {})) {
    try {
      compileTemplate(source);
    } catch (error) {
      problems.push({ path: `properties.${property}`, message: (error as Error).message });
    }
  }
  return problems;
}
