import { randomBytes } from 'node:crypto';
import type { Pool, RowDataPacket } from 'mysql2/promise';

/**
 * The salt every host using this store hashes secrets with (what the embedded store keeps in `<state>/salt`): hashes
 * in fingerprints and destination ids must agree across hosts, or a run resumed elsewhere looks like another config.
 * The first process to ask creates it; `INSERT IGNORE` makes racing processes agree on the first one written.
 */
export async function sharedSalt(pool: Pool): Promise<Buffer> {
  await pool.query('INSERT IGNORE INTO etl_settings (name, value) VALUES (?, ?)', [
    'salt',
    randomBytes(32).toString('base64'),
  ]);
  const [rows] = await pool.query<RowDataPacket[]>('SELECT value FROM etl_settings WHERE name = ?', ['salt']);
  return Buffer.from(String(rows[0]?.value), 'base64');
}
