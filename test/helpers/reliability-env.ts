/**
 * Shared plumbing of the reliability suite: builds the workspace once, runs the real CLI as a child process in a temp
 * project (its own `etl.config.json` and state folder), talks to MariaDB with mysql2, and gives a seeded random source.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOnce } from './build.js';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');
const bin = join(repoRoot, 'packages/cli/bin/run.js');

/** mysql2 and yazl as the packages that own them install them (the root package depends on neither). */
export const mysql2 = createRequire(join(repoRoot, 'packages/sink-mysql/package.json'))(
  'mysql2/promise',
) as typeof import('mysql2/promise');

/** `ETL_RELIABILITY=long` runs the full dataset and many kills; anything else is the short CI version. */
export const longRun = process.env.ETL_RELIABILITY === 'long';

/** Builds every package the spawned CLI runs (`dist/`). */
export const buildWorkspace = (): Promise<void> =>
  buildOnce(
    [],
    ['packages/cli/dist/commands/run.js', 'packages/sandbox/dist/index.js', 'packages/sink-mysql/dist/index.js'],
  );

const temps: string[] = [];

/** A temp folder removed by `removeTemps()`. */
export function tempDir(prefix = 'etl-rel-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

export function removeTemps(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A working folder for the CLI: `etl.config.json` pointing at a pipelines folder and a fresh state folder. */
export function makeProject(pipelinesDir = join(repoRoot, 'pipelines')): { dir: string; stateDir: string } {
  const dir = tempDir('etl-rel-project-');
  const stateDir = join(dir, 'state');
  writeFileSync(join(dir, 'etl.config.json'), JSON.stringify({ pipelinesDir, stateDir }, null, 2));
  return { dir, stateDir };
}

export interface EtlResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The child's environment: ours minus anything that would steer the CLI, plus `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const key of Object.keys(base)) {
    if (/^(ETL_|KAGGLE_|HUBSPOT_|MYSQL_)/.test(key) || key === 'MIN_YEAR' || key === 'MAX_YEAR') delete base[key];
  }
  // HOME points at an empty folder so a ~/.kaggle of the machine cannot supply credentials.
  return { ...base, HOME: tempDir('etl-rel-home-'), NO_COLOR: '1', FORCE_COLOR: '0', ...env };
}

export interface EtlProcess {
  child: ChildProcess;
  done: Promise<EtlResult>;
  output(): { stdout: string; stderr: string };
}

export function startEtl(args: string[], options: { cwd: string; env?: Record<string, string> }): EtlProcess {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd,
    env: childEnv(options.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<EtlResult>((r) => child.on('close', (code, signal) => r({ code, signal, stdout, stderr })));
  return { child, done, output: () => ({ stdout, stderr }) };
}

export const etl = (args: string[], options: { cwd: string; env?: Record<string, string> }) =>
  startEtl(args, options).done;

/** Parses `--json` output (a summary, or `{ error }`); says what was printed when it is not JSON. */
export function parseJson<T = any>(result: EtlResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(
      `expected JSON on stdout (exit ${result.code}), got:\n${result.stdout.slice(0, 2000)}\nstderr:\n${result.stderr.slice(0, 2000)}`,
    );
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it is truthy or `timeoutMs` passes; returns its last value. */
export async function waitFor<T>(probe: () => T | Promise<T>, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!value && Date.now() < deadline) {
    await sleep(everyMs);
    value = await probe();
  }
  return value;
}

/** The sandbox's seeded generator (mulberry32), so a failing kill schedule can be replayed with ETL_RELIABILITY_SEED. */
export { seededRandom } from '@etl/sandbox';

/** The seed of this run: ETL_RELIABILITY_SEED, else a fresh one; printed so a failure can be replayed. */
export function suiteSeed(label: string): number {
  const given = process.env.ETL_RELIABILITY_SEED;
  const seed = given ? Number(given) : Math.floor(Math.random() * 2 ** 31);
  console.log(`[reliability] ${label}: seed ${seed} (replay with ETL_RELIABILITY_SEED=${seed})`);
  return seed;
}

/** MariaDB admin URL of the shared server (tests create and drop their own databases there). */
export const mysqlAdminUrl = process.env.ETL_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** Creates a uniquely named database and returns its name and the URL the pipeline should use. */
export async function createTestDatabase(
  label: string,
  adminUrl = mysqlAdminUrl,
): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `etl_test_reliability_${label}_${Math.random().toString(36).slice(2, 8)}`;
  await withConnection(adminUrl, (c) => c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`));
  return {
    name,
    url: `${adminUrl}/${name}`,
    drop: () => withConnection(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS \`${name}\``)).then(() => undefined),
  };
}

export async function withConnection<T>(
  url: string,
  work: (c: import('mysql2/promise').Connection) => Promise<T>,
): Promise<T> {
  const c = await mysql2.createConnection({ uri: url, connectTimeout: 20_000, charset: 'utf8mb4' });
  try {
    return await work(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Row count and `SUM(CRC32(year|name|sex|count))` of `baby_names`, or zeros while the table does not exist. */
export async function tableFingerprint(dbUrl: string): Promise<{ rows: number; checksum: string }> {
  return withConnection(dbUrl, async (c) => {
    const [tables] = await c.query<any[]>(`SHOW TABLES LIKE 'baby_names'`);
    if (tables.length === 0) return { rows: 0, checksum: '0' };
    const [rows] = await c.query<any[]>(
      `SELECT COUNT(*) AS n, CAST(COALESCE(SUM(CRC32(CONCAT_WS('|', year_of_birth, name, sex, count))), 0) AS CHAR) AS s FROM baby_names`,
    );
    return { rows: Number(rows[0].n), checksum: String(rows[0].s) };
  });
}

/** Every file under `dir`, recursively. */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** JSON lines of a file (a rejects file), [] when it does not exist. */
export function readJsonLines(file: string): any[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}
