import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** The baby-names table: one row per year of birth, name and sex. */
export class CreateBabyNames1732900000001 implements MigrationInterface {
  name = 'CreateBabyNames1732900000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'baby_names',
        engine: 'InnoDB',
        columns: [
          {
            name: 'id',
            type: 'bigint',
            unsigned: true,
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'year_of_birth', type: 'smallint', unsigned: true, isNullable: false },
          // utf8mb4_bin: the unique key compares names exactly as spelled; a _ci collation would merge `Mary` and `mary`.
          {
            name: 'name',
            type: 'varchar',
            length: '64',
            isNullable: false,
            charset: 'utf8mb4',
            collation: 'utf8mb4_bin',
          },
          { name: 'sex', type: 'char', length: '1', isNullable: false, charset: 'utf8mb4', collation: 'utf8mb4_bin' },
          { name: 'count', type: 'int', unsigned: true, isNullable: false },
          { name: 'created_at', type: 'timestamp', default: 'CURRENT_TIMESTAMP' },
          { name: 'updated_at', type: 'timestamp', default: 'CURRENT_TIMESTAMP', onUpdate: 'CURRENT_TIMESTAMP' },
        ],
        indices: [
          new TableIndex({
            name: 'uq_baby_names_year_name_sex',
            columnNames: ['year_of_birth', 'name', 'sex'],
            isUnique: true,
          }),
          new TableIndex({ name: 'idx_baby_names_name_sex', columnNames: ['name', 'sex'] }),
        ],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('baby_names', true);
  }
}
