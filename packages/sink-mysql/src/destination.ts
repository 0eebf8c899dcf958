import type { Destination } from '@etl/core';
import { describeTarget, resolveTarget, type MysqlSinkConfig } from './config.js';

/**
 * Names the table a step loads, from its config alone (no connection: the runtime calls this before setup and in dry
 * runs). The id leaves out user and password, so it is never a secret and does not change when credentials rotate.
 */
export function mysqlDestination(config: MysqlSinkConfig): Destination {
  const target = resolveTarget(config);
  const table = config.table;
  // Host names are case-insensitive; an IPv6 address needs its brackets back to stay a URL.
  const host = target.host.includes(':') ? `[${target.host}]` : target.host.toLowerCase();
  return {
    id: `mysql://${host}:${target.port}/${encodeURIComponent(target.database)}/${encodeURIComponent(table)}`,
    label: `table ${table} in ${describeTarget(target)}`,
  };
}
