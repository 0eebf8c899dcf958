import type { PoolConnection } from 'mysql2';
import type { DataSource } from 'typeorm';
import {
  FatalError,
  type EtlError,
  type JsonValue,
  type RunOutcome,
  type SinkBatch,
  type StepContext,
  type WriteResult,
} from '@etl/core';
import {
  describeTarget,
  resolveColumns,
  resolveTarget,
  type ConnectionTarget,
  type MysqlSinkConfig,
  BABY_NAMES_KEY,
  BABY_NAMES_TABLE,
} from './config.js';
import { acquireConnection, rawQuery } from './connection.js';
import { ensureDatabase, openDataSource, quoteId, runMigrations } from './data-source.js';
import { errorInfo, toEtlError } from './errors.js';
import { loadRows, toSqlValue, type LoadPlan } from './bulk-load.js';
import { clearShadow, readCheckpoint, writeCheckpoint, type CheckpointKey } from './checkpoint-table.js';
import { TableLock } from './table-lock.js';
import { retiredName, shadowName, shadowPrefix } from './names.js';
import { deferIndexes, owedIndexes, restoreIndexes, type DeferredIndexes } from './deferred-indexes.js';

export { retiredName, shadowName } from './names.js';
import { readTableMeta, resolveKey } from './table-meta.js';

/** Shadows of `table` by any lineage, and the one fixed name used before shadows were named per lineage. */
const isShadowOf = (table: string, name: string) =>
  (name.startsWith(`${shadowPrefix(table)}__etl_new_`) &&
    /^[0-9a-f]{8}$/.test(name.slice(shadowPrefix(table).length + 10))) ||
  name === `${table.slice(0, 55)}__etl_new`;

/**
 * One step's connection and write state, from `setup` to `close`. Kept in the plugin factory's closure, so each
 * step that uses the plugin has its own.
 */
export class MysqlSinkSession {
  private conn: PoolConnection | undefined;
  /** Set by `restore()`: this run continues an earlier one. */
  private restoredShadow: string | null | undefined;
  private shadowReady = false;
  /** The checkpoint row this load resumed from predates the table key: replace it with the first write. */
  private legacyRow = false;

  private constructor(
    private readonly ctx: StepContext,
    private readonly config: MysqlSinkConfig,
    readonly target: ConnectionTarget,
    private readonly ds: DataSource | undefined,
    private readonly fields: string[],
    private readonly plan: LoadPlan,
    private readonly lock: TableLock | undefined,
    /** Secondary indexes this load builds at close (deferred on an empty table, by this run or a killed one). */
    private owed: DeferredIndexes | undefined = undefined,
  ) {}

  /** Connects, creates the database and runs pending migrations when allowed, and checks the table and mapping. */
  static async open(ctx: StepContext, config: MysqlSinkConfig): Promise<MysqlSinkSession> {
    const target = resolveTarget(config);
    if (target.password) ctx.addSecret(target.password);
    const mapping = resolveColumns(config);
    const table = config.table;
    const mode = config.mode;
    const plan: LoadPlan = {
      table: mode === 'replace-all' ? shadowName(table, ctx.lineage) : table,
      columns: Object.values(mapping),
      key: config.key ?? (table === BABY_NAMES_TABLE && !config.columns ? BABY_NAMES_KEY : []),
      onDuplicate: mode === 'insert-ignore' ? 'ignore' : 'update',
      method: config.method,
      duplicatesMeans: 'updated',
    };
    if (ctx.dryRun) {
      await MysqlSinkSession.plan(ctx, config, target, `${table} (${mode})`);
      return new MysqlSinkSession(ctx, config, target, undefined, Object.keys(mapping), plan, undefined);
    }
    // Before anything else: a second load of this table (another state folder or host) stops here.
    const lock = await TableLock.take(target, table);
    let ds: DataSource | undefined;
    let owed: DeferredIndexes | undefined;
    try {
      ds = await openDataSource(target, config, { createDatabase: config.createDatabase });
      const migrate = config.migrations.auto;
      owed = await owedIndexes(ds, table);
      if (owed && (!migrate || (await runMigrations(ds, 'status')).pending.length > 0)) {
        // A migration may need the indexes a killed load deferred (and without auto migrations, the table is the
        // user's to manage): add them back before anything else.
        await restoreIndexes(ds, table, owed);
        ctx.logger.info(`added back the indexes of ${table} an interrupted load had deferred`);
        owed = undefined;
      }
      if (migrate) {
        const report = await runMigrations(ds, 'up');
        if (report.ran.length > 0) ctx.logger.info(`applied migrations: ${report.ran.join(', ')}`);
      }
      const meta = await readTableMeta(ds, table, describeTarget(target));
      const [{ version }] = (await ds.query('SELECT VERSION() AS version')) as Array<{ version: string }>;
      plan.duplicatesMeans = /mariadb/i.test(version) ? 'updated' : 'existing';
      plan.key = resolveKey(meta, table, plan.columns, plan.key.length > 0 ? plan.key : undefined);
      // A first load into an empty table (with the migrations run by us) builds its secondary indexes at the end.
      if (!owed && mode !== 'replace-all' && migrate) {
        owed = await deferIndexes(ds, table);
        if (owed)
          ctx.logger.info(`${table} is empty: its secondary indexes are built after the load`, { indexes: owed.keys });
      }
    } catch (error) {
      await ds?.destroy().catch(() => undefined);
      await lock.release();
      throw toEtlError(error, target, 'preparing the schema');
    }
    return new MysqlSinkSession(ctx, config, target, ds, Object.keys(mapping), plan, lock, owed);
  }

  /** Dry run: connects to prove the credentials, and says what a real run would create or migrate. */
  private static async plan(
    ctx: StepContext,
    config: MysqlSinkConfig,
    target: ConnectionTarget,
    what: string,
  ): Promise<void> {
    const where = describeTarget(target);
    try {
      await ensureDatabase(target, false);
    } catch (error) {
      if ((error as EtlError).code !== 'MYSQL_UNKNOWN_DATABASE' || !config.createDatabase) throw error;
      ctx.logger.info(`dry run: would create database ${target.database}, run every migration and write to ${what}`);
      return;
    }
    const ds = await openDataSource(target, config, { createDatabase: false });
    try {
      const { pending } = await runMigrations(ds, 'status');
      const migrations = pending.length > 0 && config.migrations.auto ? `would apply ${pending.join(', ')}, then ` : '';
      ctx.logger.info(`dry run: ${migrations}would write to ${where} table ${what}`);
    } finally {
      await ds.destroy().catch(() => undefined);
    }
  }

  private get mode() {
    return this.config.mode;
  }

  private get table() {
    return this.config.table;
  }

  private get key(): CheckpointKey {
    return { pipeline: this.ctx.pipeline, step: this.ctx.step, table: this.table };
  }

  /** Set once a connection of this run has worked. */
  private connectedOnce = false;

  private async connection(): Promise<PoolConnection> {
    if (!this.ds) throw new Error('no data source in a dry run');
    // The server may have closed an idle connection (wait_timeout, KILL, restart) since the last write.
    const state = this.conn as unknown as { _fatalError?: unknown; _closing?: boolean } | undefined;
    if (state && (state._fatalError || state._closing)) {
      this.conn!.destroy();
      this.conn = undefined;
    }
    this.conn ??= await acquireConnection(this.ds);
    this.connectedOnce = true;
    return this.conn;
  }

  /** The token committed with the last batch of this pipeline step, to resume after it. */
  async restore(): Promise<JsonValue | undefined> {
    if (!this.ds) return undefined;
    const stored = await this.guard('reading the checkpoint', async (conn) => readCheckpoint(conn, this.key));
    if (!stored) return undefined;
    this.legacyRow = stored.legacy;
    // A token of another lineage (a --fresh run that stopped before its first write) is ignored by the runtime: so is
    // its shadow, and this lineage loads into its own. A token of this lineage continues the shadow recorded with it,
    // whatever its name (it may predate per-lineage names).
    const lineage = (stored.token as { lineage?: unknown } | null)?.lineage;
    if (typeof lineage !== 'string' || lineage === this.ctx.lineage) {
      this.restoredShadow = stored.targetTable;
      if (stored.targetTable && this.mode === 'replace-all') this.plan.table = stored.targetTable;
    }
    return stored.token;
  }

  async write(batch: SinkBatch): Promise<WriteResult> {
    const n = batch.records.length;
    if (!this.ds) return { written: n, details: { wouldWrite: n } };
    const rows = batch.records.map((r) => this.fields.map((f) => toSqlValue(r[f])));
    const counts = await this.guard(`writing ${n} rows to ${this.plan.table}`, async (conn) => {
      if (await this.lock!.ensure())
        this.ctx.logger.warn(`took the lock on table ${this.table} again after its connection was lost`);
      if (this.mode === 'replace-all' && !this.shadowReady) await this.prepareShadow(conn);
      await rawQuery(conn, 'START TRANSACTION');
      const loaded = await loadRows(conn, this.plan, rows);
      await writeCheckpoint(
        conn,
        this.key,
        batch.checkpoint,
        this.mode === 'replace-all' ? this.plan.table : null,
        this.legacyRow,
      );
      await rawQuery(conn, 'COMMIT');
      this.legacyRow = false;
      return loaded;
    });
    return {
      written: counts.inserted + counts.updated,
      unchanged: counts.unchanged,
      rejects: counts.refused.map(({ index, reason }) => ({
        location: batch.locate(index),
        reason,
        record: batch.records[index],
      })),
      details: { inserted: counts.inserted, updated: counts.updated },
    };
  }

  /** Publishes a replace-all load when the run succeeded, then disconnects. */
  async close(outcome: RunOutcome): Promise<void> {
    try {
      if (this.ds && this.mode === 'replace-all' && outcome === 'succeeded') {
        await this.guard(`swapping in the new ${this.table}`, async (conn) => {
          await this.lock!.ensure();
          if (!this.shadowReady) {
            if (this.restoredShadow !== undefined) {
              // Resumed without writing: publish the shadow an earlier attempt filled, if one is still in progress
              // (it is gone when that attempt swapped it in just before it was stopped).
              if (this.restoredShadow !== this.plan.table || !(await this.tableExists(conn, this.plan.table))) return;
            } else {
              // A fresh run that received no rows: the new content is an empty table.
              await this.prepareShadow(conn);
            }
          }
          const old = retiredName(this.table);
          await rawQuery(conn, `DROP TABLE IF EXISTS ${quoteId(old)}`);
          // One RENAME TABLE swaps both names atomically: readers see the old content or the new, never neither.
          await rawQuery(
            conn,
            `RENAME TABLE ${quoteId(this.table)} TO ${quoteId(old)}, ${quoteId(this.plan.table)} TO ${quoteId(this.table)}`,
          );
          await rawQuery(conn, `DROP TABLE ${quoteId(old)}`);
          // No shadow is in progress any more: a later run that resumes from this row starts a new one.
          await clearShadow(conn, this.key);
          this.ctx.logger.info(`replaced table ${this.table} with the rows of this run`);
        });
      }
    } finally {
      this.conn?.release();
      this.conn = undefined;
      await this.restoreOwedIndexes();
      await this.ds?.destroy().catch(() => undefined);
      await this.lock?.release();
    }
  }

  /**
   * Builds the secondary indexes this load deferred, whatever the outcome, so the table never stays without them
   * longer than the load. If that fails (the server went away), the next run that opens the table adds them.
   */
  private async restoreOwedIndexes(): Promise<void> {
    const owed = this.owed;
    if (!owed || !this.ds) return;
    this.owed = undefined;
    try {
      const started = performance.now();
      await restoreIndexes(this.ds, this.table, owed);
      this.ctx.logger.info(
        `built the secondary indexes of ${this.table} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    } catch (error) {
      this.ctx.logger.warn(
        `could not build the deferred indexes of ${this.table} (${(error as Error).message}); the next run that loads it adds them`,
      );
    }
  }

  /** Creates the shadow table of a replace-all run, or keeps the one a resumed run was loading. */
  private async prepareShadow(conn: PoolConnection): Promise<void> {
    const shadow = this.plan.table;
    if (this.restoredShadow === shadow) {
      if (!(await this.tableExists(conn, shadow))) {
        throw new FatalError(
          `Resuming a replace-all load of ${this.table}, but its shadow table ${shadow} is gone (${describeTarget(this.target)}).`,
          {
            code: 'MYSQL_SHADOW_MISSING',
            suggestions: ['Start the load over with --fresh.'],
          },
        );
      }
    } else {
      // A new shadow: shadows other lineages left (failed or abandoned loads) are dead, and the table lock we hold
      // means no run is filling them.
      const start = this.table.slice(0, 37); // common to every shadow name of this table, old and new
      const tables = await rawQuery<Array<{ name: string }>>(
        conn,
        'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND LEFT(TABLE_NAME, CHAR_LENGTH(?)) = ?',
        [start, start],
      );
      for (const { name } of tables) {
        if (name !== shadow && isShadowOf(this.table, name)) {
          await rawQuery(conn, `DROP TABLE IF EXISTS ${quoteId(name)}`);
          this.ctx.logger.info(`dropped ${name}, the shadow table of an earlier replace-all load that did not finish`);
        }
      }
      await rawQuery(conn, `DROP TABLE IF EXISTS ${quoteId(shadow)}`);
      await rawQuery(conn, `CREATE TABLE ${quoteId(shadow)} LIKE ${quoteId(this.table)}`);
    }
    this.shadowReady = true;
  }

  private async tableExists(conn: PoolConnection, table: string): Promise<boolean> {
    const rows = await rawQuery<unknown[]>(
      conn,
      'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
      [table],
    );
    return rows.length > 0;
  }

  /**
   * Runs work on the write connection. On failure: rolls back, drops a connection that may be broken, and rethrows
   * driver errors as RetriableError/FatalError (non-driver errors are bugs and pass through unchanged).
   */
  private async guard<T>(doing: string, work: (conn: PoolConnection) => Promise<T>): Promise<T> {
    let conn: PoolConnection | undefined;
    try {
      conn = await this.connection();
      return await work(conn);
    } catch (error) {
      if (conn) {
        await rawQuery(conn, 'ROLLBACK').catch(() => undefined);
        // After a lost connection or a timeout the session state is unknown: never hand it out again.
        conn.destroy();
        this.conn = undefined;
      }
      const info = errorInfo(error);
      if (info.code === undefined && info.errno === undefined) throw error;
      // A refusal after this run has already talked to the server is a restart in progress, not a wrong address.
      throw toEtlError(error, this.target, doing, { refusalIsTransient: this.connectedOnce });
    }
  }

  /** `etl migrate`: runs, reverts or lists migrations; creates the database only for `up`. */
  static async migrate(ctx: StepContext, config: MysqlSinkConfig, action: 'up' | 'down' | 'status') {
    const target = resolveTarget(config);
    if (target.password) ctx.addSecret(target.password);
    const ds = await openDataSource(target, config, {
      createDatabase: action === 'up' && config.createDatabase,
    });
    try {
      return await runMigrations(ds, action);
    } catch (error) {
      throw toEtlError(error, target, `running migrations (${action})`);
    } finally {
      await ds.destroy().catch(() => undefined);
    }
  }
}
