/**
 * The tables, created by the store on first use (`CREATE TABLE IF NOT EXISTS`), so pointing `ETL_STATE_URL` at an
 * empty database is the whole set-up. Keys are bytes (`VARBINARY`) so `keys()` runs in byte order whatever the
 * server's collation; a namespace is a small id (as in the embedded store) so a ledger key does not repeat the
 * 60-character namespace name 1.1 million times.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';

/** The embedded store's key limit (LMDB): the same keys fit both, and `(ns_id, k)` fits InnoDB's 3072-byte index. */
export const MAX_KEY_BYTES = 1900;

const TABLES = [
  `CREATE TABLE IF NOT EXISTS etl_pipelines (
    pipeline VARCHAR(255) NOT NULL PRIMARY KEY,
    checkpoint LONGTEXT NULL,
    seq BIGINT NOT NULL DEFAULT 0
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  `CREATE TABLE IF NOT EXISTS etl_namespaces (
    id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    pipeline VARCHAR(255) NOT NULL,
    name VARCHAR(1000) NOT NULL,
    UNIQUE KEY pipeline_name (pipeline, name(500))
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  `CREATE TABLE IF NOT EXISTS etl_state (
    ns_id INT UNSIGNED NOT NULL,
    k VARBINARY(${MAX_KEY_BYTES}) NOT NULL,
    v LONGTEXT NOT NULL,
    PRIMARY KEY (ns_id, k)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  `CREATE TABLE IF NOT EXISTS etl_lock_holders (
    lock_name VARCHAR(64) NOT NULL PRIMARY KEY,
    pipeline VARCHAR(255) NOT NULL,
    conn_id BIGINT UNSIGNED NOT NULL,
    host VARCHAR(255) NOT NULL,
    pid INT NOT NULL,
    since VARCHAR(32) NOT NULL
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  `CREATE TABLE IF NOT EXISTS etl_runs (
    run_id VARCHAR(64) NOT NULL PRIMARY KEY,
    pipeline VARCHAR(255) NOT NULL,
    profile VARCHAR(255) NULL,
    host VARCHAR(255) NOT NULL,
    status VARCHAR(32) NOT NULL,
    started_at VARCHAR(32) NOT NULL,
    finished_at VARCHAR(32) NULL,
    dir TEXT NOT NULL,
    summary LONGTEXT NULL,
    progress LONGTEXT NULL,
    KEY started (started_at),
    KEY pipeline_started (pipeline, started_at)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  `CREATE TABLE IF NOT EXISTS etl_settings (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
];

/** Columns added after a table's first version: a database set up by an older version gets them on first use. */
const ADDED_COLUMNS = [{ table: 'etl_runs', column: 'progress', type: 'LONGTEXT NULL' }];

/** MySQL's "Duplicate column name": another process added it between our check and our ALTER. */
const ER_DUP_FIELDNAME = 1060;

export async function ensureTables(pool: Pool): Promise<void> {
  for (const sql of TABLES) await pool.query(sql);
  for (const { table, column, type } of ADDED_COLUMNS) {
    // MySQL has no `ADD COLUMN IF NOT EXISTS` (MariaDB has): ask the catalogue first.
    const [rows] = await pool.query<RowDataPacket[]>(
      'SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?',
      [table, column],
    );
    if (rows.length > 0) continue;
    await pool.query(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`).catch((error: { errno?: number }) => {
      if (error.errno !== ER_DUP_FIELDNAME) throw error;
    });
  }
}
