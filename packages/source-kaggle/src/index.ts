/**
 * @etl/source-kaggle: the `kaggle` source plugin. Default export: the `kaggleSource()` factory.
 */
import { kaggleSource } from './source.js';

export default kaggleSource;
export { kaggleSource, parsePosition, type KaggleSourceOptions, type KagglePosition } from './source.js';
export {
  configSchema,
  defaultColumns,
  resolveConfig,
  normalizeConfig,
  type KaggleConfig,
  type KaggleConfigInput,
  type ColumnSpec,
  type BrowserOptions,
  type KaggleMode,
} from './config.js';
export { findCredentials, chooseMode, type CredentialSources, type Credentials, type ApiAuth } from './credentials.js';
// The CSV reader and the archive helpers are not re-exported: importing the package (as `etl validate` does for the
// schema) must not load csv-parse or yauzl. Their types stay available.
export type { CsvBatch, CsvReadOptions } from './csv-records.js';
export type { OpenedEntry } from './archive.js';
