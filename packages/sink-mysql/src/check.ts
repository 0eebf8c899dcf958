import mysql, { type Connection } from 'mysql2/promise';
import type { CheckResult, StepContext } from '@etl/core';
import { describeTarget, resolveTarget, type MysqlSinkConfig } from './config.js';
import { toEtlError } from './errors.js';
import { quoteId } from './identifiers.js';
import { withSsl } from './tls.js';

/** Privileges the sink uses: loading and upserting rows, and migrations / replace-all (CREATE, ALTER, DROP, INDEX). */
export const REQUIRED_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'ALTER', 'INDEX'];
const ALL = ['ALL PRIVILEGES', 'ALL'];

/** Privileges granted on `*.*` or on a schema pattern matching `database` (`etl`, `etl\_%`, `%`), from SHOW GRANTS. */
export function grantedPrivileges(grants: string[], database: string): Set<string> {
  const out = new Set<string>();
  for (const line of grants) {
    const m = /^GRANT (.+?) ON (\S+?)\.(\S+) TO /i.exec(line);
    if (m?.[3] !== '*') continue;
    const schema = m[2].replace(/^`|`$/g, '');
    if (schema !== '*' && !likeToRegExp(schema).test(database)) continue;
    for (const p of m[1].split(',')) {
      const name = p
        .trim()
        .replace(/\s*\(.*\)$/, '')
        .toUpperCase();
      if (ALL.includes(name)) REQUIRED_PRIVILEGES.forEach((r) => out.add(r));
      else out.add(name);
    }
  }
  return out;
}

/** A GRANT's schema name is a LIKE pattern: `%` any run, `_` one character, `\_` a literal underscore. */
function likeToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) re += pattern[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** `etl check`: connects, reports the server version, and checks the database, privileges and LOCAL INFILE. */
export async function checkMysql(_ctx: StepContext, config: MysqlSinkConfig): Promise<CheckResult> {
  const target = resolveTarget(config);
  let conn: Connection | undefined;
  try {
    conn = await mysql.createConnection({
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      connectTimeout: 10_000,
      ...withSsl(target),
    });
    const [[info]] = (await conn.query(
      'SELECT VERSION() AS version, CURRENT_USER() AS user, @@local_infile AS localInfile',
    )) as unknown as [Array<{ version: string; user: string; localInfile: number }>];
    const [schemas] = (await conn.query('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
      target.database,
    ])) as unknown as [unknown[]];
    const [grantRows] = (await conn.query('SHOW GRANTS FOR CURRENT_USER()')) as unknown as [
      Array<Record<string, string>>,
    ];
    const granted = grantedPrivileges(
      grantRows.map((r) => Object.values(r)[0]),
      target.database,
    );
    const problems: string[] = [];
    const exists = schemas.length > 0;
    if (!exists && !config.createDatabase)
      problems.push(`database ${target.database} does not exist and createDatabase is false`);
    if (exists) await conn.query(`USE ${quoteId(target.database)}`);
    const missing = REQUIRED_PRIVILEGES.filter((p) => !granted.has(p));
    if (missing.length > 0) problems.push(`user ${info.user} lacks ${missing.join(', ')} on ${target.database}`);
    if (config.method === 'load-data' && Number(info.localInfile) !== 1) {
      problems.push('the server has local_infile off (SET GLOBAL local_infile = 1, or use method: insert)');
    }
    const where = `${describeTarget(target)} (${info.version})`;
    return {
      ok: problems.length === 0,
      message:
        problems.length === 0
          ? `connected to ${where} as ${info.user}${exists ? '' : '; the database will be created'}`
          : `${where}: ${problems.join('; ')}`,
      details: {
        version: info.version,
        user: info.user,
        databaseExists: exists,
        missingPrivileges: missing,
        localInfile: Number(info.localInfile) === 1,
      },
    };
  } catch (error) {
    throw toEtlError(error, target, 'checking the connection');
  } finally {
    await conn?.end().catch(() => undefined);
  }
}
