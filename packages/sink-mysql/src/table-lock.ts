import mysql, { type Connection } from 'mysql2/promise';
import { FatalError } from '@etl/core';
import { describeTarget, type ConnectionTarget } from './config.js';
import { driverOptions } from './data-source.js';
import { toEtlError } from './errors.js';
import { tableLockName } from './names.js';

export { tableLockName } from './names.js';

/**
 * `GET_LOCK(<name>, 0)` held on a connection of its own for the whole load, so no batch transaction or reconnect of
 * the write connection can drop it. A crashed process's lock goes away with its connection.
 */
export class TableLock {
  private conn: Connection | undefined;
  private lost = false;

  private constructor(
    private readonly target: ConnectionTarget,
    private readonly table: string,
    readonly name: string,
  ) {}

  /** Takes the lock; throws `MYSQL_TABLE_LOCKED` when another session holds it. */
  static async take(target: ConnectionTarget, table: string): Promise<TableLock> {
    const lock = new TableLock(target, table, tableLockName(target.database, table));
    await lock.acquire();
    return lock;
  }

  /**
   * Takes the lock again if its connection died (a server restart ends the session and its locks) and says whether
   * it had to; throws when another run took the table meanwhile. Call before each write.
   */
  async ensure(): Promise<boolean> {
    const state = (this.conn as unknown as { connection?: { _fatalError?: unknown; _closing?: boolean } } | undefined)
      ?.connection;
    if (this.conn && !this.lost && !state?._fatalError && !state?._closing) return false;
    this.conn?.destroy();
    this.conn = undefined;
    await this.acquire(true);
    return true;
  }

  private async acquire(reconnecting = false): Promise<void> {
    let conn: Connection | undefined;
    try {
      conn = await mysql.createConnection(driverOptions(this.target));
      // Without a listener, an 'error' event (server gone) would crash the process; the next ensure() reconnects.
      conn.on('error', () => (this.lost = true));
      const [[row]] = (await conn.query('SELECT GET_LOCK(?, 0) AS got, IS_USED_LOCK(?) AS holder', [
        this.name,
        this.name,
      ])) as unknown as [Array<{ got: number | null; holder: number | null }>];
      if (Number(row.got) !== 1) {
        throw new FatalError(
          `Another run is loading table ${this.table} in ${describeTarget(this.target)}: MySQL connection ${row.holder ?? '(unknown)'} holds its lock ${this.name}.`,
          {
            code: 'MYSQL_TABLE_LOCKED',
            context: {
              table: this.table,
              database: this.target.database,
              lock: this.name,
              holderConnectionId: row.holder,
            },
            suggestions: [
              'Wait for that run to finish: two loads of one table (from other state folders or hosts) would undo each other.',
              `To see who holds it: SELECT * FROM information_schema.PROCESSLIST WHERE ID = ${row.holder ?? 'IS_USED_LOCK(...)'}; if that run is stuck, KILL ${row.holder ?? '<id>'} releases the lock.`,
            ],
          },
        );
      }
      this.conn = conn;
      this.lost = false;
    } catch (error) {
      conn?.destroy();
      // After a restart, a refused connection is the server coming back, not a wrong address.
      throw toEtlError(error, this.target, `taking the lock on table ${this.table}`, {
        refusalIsTransient: reconnecting,
      });
    }
  }

  /** Releases the lock and closes its connection (idempotent). */
  async release(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    if (!conn) return;
    try {
      await conn.query('DO RELEASE_LOCK(?)', [this.name]);
      await conn.end();
    } catch {
      conn.destroy(); // closing the connection releases the lock anyway
    }
  }
}
