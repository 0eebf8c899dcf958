/** The etl command line. Programmatic use: `run(['validate'], import.meta.url)` from `@oclif/core` with this package's folder. */
export { renderError, renderSummaryError, debugEnabled } from './render-error.js';
export type { RenderedError, RenderErrorOptions } from './render-error.js';
export { EXIT_CODES } from './help.js';
export { cliPackageDir } from './base-command.js';
