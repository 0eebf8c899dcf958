import type { KaggleSandbox, KaggleSandboxOptions } from '../types.js';

export async function startKaggleSandbox(_options: KaggleSandboxOptions = {}): Promise<KaggleSandbox> {
  throw new Error('not implemented yet');
}
