import { compileTemplate, type ConfigProblem } from '@etl/core';
import type { HubspotConfig } from './config.js';

/** `etl validate`: every `properties` template must compile (a typo in a filter shows before any request). */
export function checkTemplates(config: HubspotConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [property, source] of Object.entries(config.properties ?? {})) {
    try {
      compileTemplate(source);
    } catch (error) {
      problems.push({ path: `properties.${property}`, message: (error as Error).message });
    }
  }
  return problems;
}
