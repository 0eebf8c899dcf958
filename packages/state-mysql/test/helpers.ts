/** A database of this test file's own on the local MariaDB (root, no password), dropped at the end. */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

export const MYSQL_SERVER = process.env.ETL_TEST_MYSQL ?? 'mysql://root@127.0.0.1:3306';

export function testDatabase(): { url: string; drop(): Promise<void> } {
  const name = `etl_state_test_${randomBytes(4).toString('hex')}`;
  return {
    url: `${MYSQL_SERVER}/${name}`,
    async drop() {
      const connection = await mysql.createConnection(MYSQL_SERVER);
      try {
        await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await connection.end();
      }
    },
  };
}
