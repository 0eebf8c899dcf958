/**
 * @etl/source-kaggle: the `kaggle` source plugin. Default export: the `kaggleSource()` factory.
 */
import { kaggleSource } from './source.js';

export default kaggleSource;
export { kaggleSource, parsePosition, type KaggleSourceOptions, type KagglePosition } from './source.js';
export { configSchema, defaultColumns, resolveConfig, type KaggleConfig, type ColumnSpec, type BrowserOptions, type KaggleMode } from './config.js';
export { findCredentials, chooseMode, type CredentialSources, type Credentials, type ApiAuth } from './credentials.js';
export { readCsvBatches, type CsvBatch, type CsvReadOptions } from './csv-records.js';
export { openEntry, listEntries, type OpenedEntry } from './archive.js';
