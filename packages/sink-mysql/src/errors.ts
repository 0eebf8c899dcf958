import { EtlError, FatalError, RetriableError } from '@etl/core';
import { describeTarget, type ConnectionTarget } from './config.js';

/** The fields of a mysql2 error worth keeping; the raw error is never attached because it can carry the config. */
export interface MysqlErrorInfo {
  code?: string;
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
  message: string;
}

/** Reads the mysql2 error inside a TypeORM `QueryFailedError` (or the error itself). */
export function errorInfo(error: unknown): MysqlErrorInfo {
  const raw = (error as { driverError?: unknown })?.driverError ?? error;
  const e = (raw ?? {}) as Record<string, unknown>;
  const message = raw instanceof Error ? raw.message : String(raw);
  // mysql2 refuses commands on a connection the server closed with a plain Error that has no code.
  const closed = /connection is in closed state/i.test(message) ? 'PROTOCOL_CONNECTION_LOST' : undefined;
  return {
    code: typeof e.code === 'string' ? e.code : closed,
    errno: typeof e.errno === 'number' ? e.errno : undefined,
    sqlState: typeof e.sqlState === 'string' ? e.sqlState : undefined,
    sqlMessage: typeof e.sqlMessage === 'string' ? e.sqlMessage : undefined,
    message,
  };
}

/** Lost connections, deadlocks, lock waits, an overloaded or restarting server: the same write may succeed later. */
const TRANSIENT = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'ER_CONNECTION_KILLED',
  'CR_SERVER_GONE_ERROR',
  'CR_SERVER_LOST',
]);

/** Errors about one row's values: the row is rejected, the rest of its batch lands. */
const ROW_ERRORS = new Set([
  'ER_DATA_TOO_LONG',
  'ER_BAD_NULL_ERROR',
  'ER_NO_DEFAULT_FOR_FIELD',
  'ER_TRUNCATED_WRONG_VALUE',
  'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD',
  'ER_WARN_DATA_OUT_OF_RANGE',
  'ER_WARN_DATA_TRUNCATED',
  'WARN_DATA_TRUNCATED',
  'ER_DATA_OUT_OF_RANGE',
  'ER_WRONG_VALUE_FOR_TYPE',
  'ER_INVALID_CHARACTER_STRING',
  'ER_CHECK_CONSTRAINT_VIOLATED',
  'ER_CONSTRAINT_FAILED',
  'ER_NO_REFERENCED_ROW_2',
  'ER_ROW_IS_REFERENCED_2',
  'ER_DUP_ENTRY',
  'ER_WRONG_VALUE',
  'ER_DIVISION_BY_ZERO',
  'ER_CANT_CREATE_GEOMETRY_OBJECT',
  'ER_INVALID_JSON_TEXT',
]);

export const isRowError = (error: unknown): boolean => ROW_ERRORS.has(errorInfo(error).code ?? '');

/** What the database said about a refused row, in one line. */
export const rowErrorReason = (error: unknown): string => {
  const info = errorInfo(error);
  return `${info.code ?? 'ERROR'}: ${info.sqlMessage ?? info.message}`;
};

/**
 * Turns a driver error into the error tree: transient ones into `RetriableError` (the runtime retries the whole
 * write), the rest into a `FatalError` that names host, port and database and says what to check.
 */
export function toEtlError(
  error: unknown,
  target: ConnectionTarget,
  doing: string,
  options: { refusalIsTransient?: boolean } = {},
): EtlError {
  if (error instanceof EtlError) return error;
  const info = errorInfo(error);
  const where = describeTarget(target);
  const said = info.sqlMessage ?? info.message;
  const context = { host: target.host, port: target.port, database: target.database, mysqlCode: info.code };
  const transient =
    info.code !== undefined &&
    (TRANSIENT.has(info.code) || (options.refusalIsTransient && info.code === 'ECONNREFUSED'));
  if (transient) {
    return new RetriableError(`MySQL at ${where}: ${doing} failed with a transient error (${info.code}: ${said}).`, {
      code: 'MYSQL_TRANSIENT',
      context,
      suggestions: ['Nothing to do if it passes on retry; if it keeps failing, check the server log and its load.'],
    });
  }
  const fatal = (code: string, message: string, suggestions: string[]) =>
    new FatalError(message, { code, context, suggestions });
  switch (info.code) {
    case 'ECONNREFUSED':
      return fatal(
        'MYSQL_CONNECTION_REFUSED',
        `MySQL at ${target.host}:${target.port} refused the connection (database ${target.database}).`,
        [
          `Check that the server is running and listens on ${target.host}:${target.port} (mariadb-admin ping).`,
          "Check the host and port in the step's url (MYSQL_URL).",
        ],
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return fatal(
        'MYSQL_HOST_NOT_FOUND',
        `MySQL host ${target.host} (port ${target.port}, database ${target.database}) could not be resolved.`,
        ["Check the host name in the step's url (MYSQL_URL)."],
      );
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_NOT_SUPPORTED_AUTH_MODE':
      return fatal('MYSQL_ACCESS_DENIED', `MySQL at ${where} denied access to user ${target.user}: ${said}`, [
        `Check the user and password for ${target.user} (MYSQL_URL or the step's user/password).`,
        "On Debian, root may only log in over the unix socket: ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket.",
      ]);
    case 'HANDSHAKE_NO_SSL_SUPPORT':
      return fatal(
        'MYSQL_TLS_UNAVAILABLE',
        `MySQL at ${target.host}:${target.port} does not offer TLS, and the step asks for it (ssl).`,
        [
          'Enable TLS on the server (ssl_cert, ssl_key), or remove ssl / ?ssl=true only if the network path is trusted (loopback, a socket).',
        ],
      );
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return fatal(
        'MYSQL_TLS_UNVERIFIED',
        `MySQL at ${target.host}:${target.port}: the server's certificate could not be verified (${info.code}).`,
        [
          'Give the CA that signed it with ssl: { ca: path/to/ca.pem }, or ssl.servername if the certificate names another host.',
        ],
      );
    case 'ER_BAD_DB_ERROR':
      return fatal(
        'MYSQL_UNKNOWN_DATABASE',
        `MySQL at ${target.host}:${target.port} has no database ${target.database}.`,
        [`Create it (CREATE DATABASE \`${target.database}\`) or set createDatabase: true in the step's config.`],
      );
    case 'ER_DBACCESS_DENIED_ERROR':
    case 'ER_TABLEACCESS_DENIED_ERROR':
    case 'ER_COLUMNACCESS_DENIED_ERROR':
    case 'ER_SPECIFIC_ACCESS_DENIED_ERROR':
      return fatal(
        'MYSQL_PRIVILEGE_MISSING',
        `MySQL at ${where}: user ${target.user} lacks a privilege while ${doing}: ${said}`,
        [
          `Grant what is missing, e.g. GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX ON \`${target.database}\`.* TO '${target.user}'@'%'.`,
        ],
      );
    case 'ER_NO_SUCH_TABLE':
      return fatal('MYSQL_NO_SUCH_TABLE', `MySQL at ${where}: ${said} (while ${doing}).`, [
        'Run the migrations (etl migrate <pipeline> up, or migrations.auto: true), or add a migration that creates it in migrations.dir.',
      ]);
    case 'ER_BAD_FIELD_ERROR':
      return fatal('MYSQL_UNKNOWN_COLUMN', `MySQL at ${where}: ${said} (while ${doing}).`, [
        "Check the step's `columns` mapping against the table, or add a migration that creates the column.",
      ]);
    case 'ER_LOAD_INFILE_CAPABILITY_DISABLED':
    case 'ER_NOT_ALLOWED_COMMAND':
      return fatal('MYSQL_LOCAL_INFILE_DISABLED', `MySQL at ${where} does not allow LOAD DATA LOCAL INFILE.`, [
        "Enable it on the server (SET GLOBAL local_infile = 1) or set method: insert in the step's config.",
      ]);
    default:
      return fatal('MYSQL_ERROR', `MySQL at ${where}: ${doing} failed: ${info.code ? `${info.code}: ` : ''}${said}`, [
        'Check the server log and the message above; run `etl check` to test the connection and privileges.',
      ]);
  }
}
