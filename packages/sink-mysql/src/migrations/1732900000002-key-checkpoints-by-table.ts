import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keys checkpoint rows by the table loaded too (pipeline + step + table), so one step's loads of two tables never
 * share a row. Rows written before this migration get an empty `table_name`; the sink still reads them as a fallback.
 */
export class KeyEtlCheckpointsByTable1732900000002 implements MigrationInterface {
  name = 'KeyEtlCheckpointsByTable1732900000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE etl_checkpoints
         ADD COLUMN table_name VARCHAR(64) NOT NULL DEFAULT '' COMMENT 'table the step loads (empty: written before this column existed)' AFTER step,
         DROP PRIMARY KEY,
         ADD PRIMARY KEY (pipeline, step, table_name)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The old key holds one row per pipeline + step: keep the most recently updated one of each.
    await queryRunner.query(
      `DELETE older FROM etl_checkpoints older JOIN etl_checkpoints newer
         ON older.pipeline = newer.pipeline AND older.step = newer.step
        AND (older.updated_at < newer.updated_at OR (older.updated_at = newer.updated_at AND older.table_name < newer.table_name))`,
    );
    await queryRunner.query(
      'ALTER TABLE etl_checkpoints DROP PRIMARY KEY, DROP COLUMN table_name, ADD PRIMARY KEY (pipeline, step)',
    );
  }
}
