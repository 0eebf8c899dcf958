// The worker thread behind `keys()` (see src/key-pages.ts): `StepState.keys()` is a synchronous iterator, so each page
// of keys is read here while the caller's thread waits (synckit). Plain JavaScript: the same file serves the
// TypeScript sources (tests) and the built package.
import mysql from 'mysql2/promise';
import { runAsWorker } from 'synckit';

/** One pool per database the process reads keys of (normally one). */
const pools = new Map();

runAsWorker(async ({ connect, nsId, after, limit }) => {
  const id = JSON.stringify(connect);
  let pool = pools.get(id);
  if (!pool) pools.set(id, (pool = mysql.createPool({ ...connect, connectionLimit: 1 })));
  const [rows] = await pool.query(
    after === undefined
      ? 'SELECT k FROM etl_state WHERE ns_id = ? ORDER BY k LIMIT ?'
      : 'SELECT k FROM etl_state WHERE ns_id = ? AND k > ? ORDER BY k LIMIT ?',
    after === undefined ? [nsId, limit] : [nsId, Buffer.from(after), limit],
  );
  return rows.map((row) => row.k.toString('utf8'));
});
