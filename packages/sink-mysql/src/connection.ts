import type { PoolConnection } from 'mysql2';
import type { DataSource } from 'typeorm';

/** The result header mysql2 returns for INSERT and LOAD DATA. */
export interface ResultHeader {
  affectedRows: number;
  info: string;
  warningStatus: number;
}

/** Runs one statement on a raw mysql2 connection (callback API, as TypeORM's pool hands it out). */
export function rawQuery<T = unknown>(
  conn: PoolConnection,
  sql: string | { sql: string; values?: unknown[]; infileStreamFactory?: () => NodeJS.ReadableStream },
  values?: unknown[],
): Promise<T> {
  return new Promise((resolve, reject) => {
    const cb = (err: unknown, result: unknown) => (err ? reject(err) : resolve(result as T));
    if (typeof sql === 'string') conn.query(sql, values ?? [], cb);
    else conn.query(sql as never, cb);
  });
}

/** Takes a connection from TypeORM's mysql2 pool for the bulk path, in the session mode the writer relies on. */
export async function acquireConnection(ds: DataSource): Promise<PoolConnection> {
  const driver = ds.driver as unknown as { obtainMasterConnection(): Promise<PoolConnection> };
  const conn = await driver.obtainMasterConnection();
  // Strict for every engine, so a value the column cannot hold is an error (a reject), never silently truncated.
  await rawQuery(
    conn,
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', time_zone = '+00:00'",
  );
  return conn;
}
