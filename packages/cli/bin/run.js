#!/usr/bin/env node
import { execute } from '@oclif/core';
import { lendCore } from '../dist/lend-core.js';

// Plugins from the user's project get this CLI's @etl/core (their peer dependency), installed beside it or not.
lendCore();
await execute({ dir: import.meta.url });
