import type { MigrationInterface } from 'typeorm';
import { CreateEtlCheckpoints1732900000000 } from './1732900000000-create-etl-checkpoints.js';
import { CreateBabyNames1732900000001 } from './1732900000001-create-baby-names.js';
import { KeyEtlCheckpointsByTable1732900000002 } from './1732900000002-key-checkpoints-by-table.js';

/** The plugin's own migrations, oldest first. A new one goes at the end with a later timestamp. */
export const builtinMigrations: Array<new () => MigrationInterface> = [
  CreateEtlCheckpoints1732900000000,
  CreateBabyNames1732900000001,
  KeyEtlCheckpointsByTable1732900000002,
];
