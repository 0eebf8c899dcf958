export type * from './types.js';
export { startKaggleSandbox } from './kaggle/index.js';
export { startHubspotSandbox } from './hubspot/index.js';
export { startPipedriveSandbox } from './pipedrive/index.js';
export { startSandbox } from './start.js';
/** The seeded generator behind the fault injection, for tests that want repeatable random sequences. */
export { seededRandom } from './shared/seeded-random.js';
