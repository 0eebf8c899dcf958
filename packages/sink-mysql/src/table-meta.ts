import { ConfigError } from '@etl/core';
import type { DataSource } from 'typeorm';

/** Column names and unique keys of a table, read through TypeORM's schema reader. */
export interface TableMeta {
  columns: Set<string>;
  /** Unique indexes (primary key last), each as its column list. */
  uniqueKeys: string[][];
}

/** Reads a table's metadata; a missing table is a ConfigError that says which migration should create it. */
export async function readTableMeta(ds: DataSource, table: string, where: string): Promise<TableMeta> {
  const qr = ds.createQueryRunner();
  try {
    const t = await qr.getTable(table);
    if (!t) {
      throw new ConfigError(`Table \`${table}\` does not exist in ${where}.`, [], {
        code: 'MYSQL_NO_SUCH_TABLE',
        suggestions: [
          'Run the migrations (etl migrate <pipeline> up, or keep migrations.auto: true).',
          'For your own table, add a TypeORM migration that creates it to the folder named by migrations.dir.',
        ],
      });
    }
    const uniqueKeys = t.indices.filter((i) => i.isUnique).map((i) => i.columnNames);
    const primary = t.primaryColumns.map((c) => c.name);
    if (primary.length > 0) uniqueKeys.push(primary);
    return { columns: new Set(t.columns.map((c) => c.name)), uniqueKeys };
  } finally {
    await qr.release();
  }
}

/** Checks the mapping against the table and picks the key: the configured one, else the first unique index it covers. */
export function resolveKey(meta: TableMeta, table: string, columns: string[], key: string[] | undefined): string[] {
  const unknown = [...columns, ...(key ?? [])].filter((c) => !meta.columns.has(c));
  if (unknown.length > 0) {
    throw new ConfigError(`Table \`${table}\` has no column ${unknown.map((c) => `\`${c}\``).join(', ')}.`, [], {
      code: 'MYSQL_UNKNOWN_COLUMN',
      suggestions: [`Fix the step's columns/key mapping; the table has: ${[...meta.columns].join(', ')}.`],
    });
  }
  if (key) return key;
  const found = meta.uniqueKeys.find((k) => k.every((c) => columns.includes(c)));
  if (!found) {
    throw new ConfigError(
      `Table \`${table}\` has no unique key made of the mapped columns, so rows cannot be matched on reruns.`,
      [],
      {
        code: 'MYSQL_NO_UNIQUE_KEY',
        suggestions: [
          'Add a unique index in a migration, or map the columns of an existing one and name them in `key:`.',
        ],
      },
    );
  }
  return found;
}
