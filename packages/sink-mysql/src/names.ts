/**
 * The names the sink gives things in the database: its tables, shadow tables and advisory locks. Kept apart from the
 * modules that talk to MySQL so the package's entry (what `etl validate` imports for the config schema) loads neither
 * TypeORM nor mysql2.
 */
import { createHash } from 'node:crypto';

/** TypeORM's migrations table in the loaded database. */
export const MIGRATIONS_TABLE = 'etl_migrations';

/**
 * Owned by the `CreateEtlCheckpoints` and `KeyEtlCheckpointsByTable` migrations: one row per pipeline + step + table.
 * It lives in the database loaded, so another database (another `MYSQL_URL`) has its own rows and starts clean.
 */
export const CHECKPOINT_TABLE = 'etl_checkpoints';

/**
 * The advisory lock name of a table: `etl:<database>.<table>`, or `etl:` and a hash when that passes MySQL's 64
 * characters. The pipeline lock only covers one state folder; this one covers every run that loads the table, from
 * any folder or host, because the server holds it.
 */
export function tableLockName(database: string, table: string): string {
  const name = `etl:${database}.${table}`;
  return name.length <= 64
    ? name
    : `etl:${createHash('sha256').update(`${database}\0${table}`).digest('hex').slice(0, 60)}`;
}

export const hex8 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);

/**
 * What shadow names start with: the table itself, or for a long name its first 37 characters and a hash of the whole,
 * so two long tables that start alike never share (or clean up) each other's shadows.
 */
export const shadowPrefix = (table: string) => (table.length <= 46 ? table : `${table.slice(0, 37)}_${hex8(table)}`);

/**
 * The table a replace-all lineage loads into, next to the real one: `<table>__etl_new_<8 hex of sha256(lineage)>`
 * (at most 64 characters). One per lineage, so a new lineage never continues a shadow another one left half-filled.
 */
export const shadowName = (table: string, lineage: string) => `${shadowPrefix(table)}__etl_new_${hex8(lineage)}`;

/** Where the previous content goes for the instant of the swap. */
export const retiredName = (table: string) => `${shadowPrefix(table)}__etl_old`;
