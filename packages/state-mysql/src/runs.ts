/** Run history every host writes (`etl_runs`), so `etl runs` on any of them lists the runs of all. */
import { hostname } from 'node:os';
import type { RunHistoryStore, RunProgress, RunRecord, RunSummary } from '@etl/core';
import type { Pool, RowDataPacket } from 'mysql2/promise';

/** `etl runs` lists the newest runs; older ones stay in the table. */
const LIST_LIMIT = 1000;
const COLUMNS = 'run_id, pipeline, profile, host, status, started_at, finished_at, dir, summary';
/** A list leaves out finished runs' progress (their summary has the counts); one run's page shows its samples. */
const LIST_COLUMNS = `${COLUMNS}, IF(summary IS NULL, progress, NULL) AS progress`;

export function mysqlRunHistory(pool: Pool): RunHistoryStore {
  return {
    async start(run) {
      await pool.query(
        `INSERT INTO etl_runs (run_id, pipeline, profile, host, status, started_at, dir) VALUES (?, ?, ?, ?, 'unfinished', ?, ?)
         ON DUPLICATE KEY UPDATE host = VALUES(host)`,
        [run.runId, run.pipeline, run.profile ?? null, run.host, run.startedAt, run.dir],
      );
    },
    async finish(runId, summary) {
      // An upsert: a run that failed before `start` (the lock was busy) is still one this host tried.
      await pool.query(
        `INSERT INTO etl_runs (run_id, pipeline, profile, host, status, started_at, finished_at, dir, summary)
         VALUES (?, ?, ?, ?, ?, ?, ?, '', ?)
         ON DUPLICATE KEY UPDATE status = VALUES(status), finished_at = VALUES(finished_at), summary = VALUES(summary)`,
        [
          runId,
          summary.pipeline,
          summary.profile ?? null,
          hostname(),
          summary.status,
          summary.startedAt,
          summary.finishedAt,
          JSON.stringify(summary),
        ],
      );
    },
    async progress(runId, progress) {
      // The runtime sends it about once a second, the last time just before `finish`; a late write changes nothing.
      await pool.query('UPDATE etl_runs SET progress = ? WHERE run_id = ? AND summary IS NULL', [
        JSON.stringify(progress),
        runId,
      ]);
    },
    async list(pipeline) {
      const [rows] = await pool.query<RowDataPacket[]>(
        `SELECT ${LIST_COLUMNS} FROM etl_runs ${pipeline === undefined ? '' : 'WHERE pipeline = ?'}
         ORDER BY started_at DESC, run_id DESC LIMIT ${LIST_LIMIT}`,
        pipeline === undefined ? [] : [pipeline],
      );
      return rows.map(recordOf);
    },
    async get(runId) {
      const [rows] = await pool.query<RowDataPacket[]>(`SELECT ${COLUMNS}, progress FROM etl_runs WHERE run_id = ?`, [
        runId,
      ]);
      return rows[0] ? recordOf(rows[0]) : undefined;
    },
  };
}

function recordOf(row: RowDataPacket): RunRecord {
  const summary = row.summary ? (JSON.parse(row.summary) as RunSummary) : undefined;
  const progress = row.progress ? (JSON.parse(row.progress) as RunProgress) : undefined;
  return {
    runId: row.run_id,
    pipeline: row.pipeline,
    status: row.status as RunRecord['status'],
    startedAt: row.started_at,
    ...(row.finished_at ? { finishedAt: row.finished_at } : {}),
    host: row.host,
    dir: row.dir,
    ...(summary ? { summary } : {}),
    ...(progress ? { progress } : {}),
  };
}
