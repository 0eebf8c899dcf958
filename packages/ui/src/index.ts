export { startUiServer, type UiServer, type UiServerOptions } from './server.js';
export { requiredToken, MIN_TOKEN_LENGTH } from './access.js';
export {
  spawnLauncher,
  queueLauncher,
  type RunLauncher,
  type Launch,
  type StartRequest,
  type SpawnOptions,
} from './launcher.js';
export {
  listRunsFor,
  localRunDir,
  runDetail,
  type DetailOptions,
  type ListedRun,
  type RunDetail,
  type RunState,
} from './history.js';
export { readRejects, tailLog, type Reject, type RejectsPage } from './run-files.js';
