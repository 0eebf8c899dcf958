import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/** The table where each batch's checkpoint token commits in the same transaction as its rows. */
export class CreateEtlCheckpoints1732900000000 implements MigrationInterface {
  name = 'CreateEtlCheckpoints1732900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'etl_checkpoints',
        engine: 'InnoDB',
        columns: [
          { name: 'pipeline', type: 'varchar', length: '191', isPrimary: true },
          { name: 'step', type: 'varchar', length: '191', isPrimary: true },
          {
            name: 'token',
            type: 'longtext',
            isNullable: false,
            comment: 'JSON checkpoint token of the last committed batch',
          },
          {
            name: 'target_table',
            type: 'varchar',
            length: '64',
            isNullable: true,
            comment: 'shadow table of a replace-all run',
          },
          {
            name: 'updated_at',
            type: 'timestamp',
            precision: 3,
            default: 'CURRENT_TIMESTAMP(3)',
            onUpdate: 'CURRENT_TIMESTAMP(3)',
          },
        ],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('etl_checkpoints', true);
  }
}
