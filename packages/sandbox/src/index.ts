export type * from './types.js';
export { startKaggleSandbox } from './kaggle/index.js';
export { startHubspotSandbox } from './hubspot/index.js';
export { startSandbox } from './start.js';
