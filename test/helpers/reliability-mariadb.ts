/**
 * A private MariaDB server (own datadir in a temp folder, own port) that a test may kill and restart mid-load
 * without touching the shared server on 3306 that other test files use at the same time.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mysql2, tempDir, waitFor } from './reliability-env.js';

/** Why a private server cannot be started here, or undefined when it can. */
export function privateMariadbUnavailable(): string | undefined {
  for (const tool of ['mariadb-install-db', 'mariadbd']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed (apt-get install mariadb-server), so the MariaDB-restart test is skipped`;
    }
  }
  return undefined;
}

/** mariadbd lives in /usr/sbin, which is not always on PATH. */
const sbin = (tool: string) =>
  existsSync(`/usr/sbin/${tool}`) ? `/usr/sbin/${tool}` : existsSync(`/usr/bin/${tool}`) ? `/usr/bin/${tool}` : tool;

/** A port nobody listens on right now (MariaDB cannot take port 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

export interface PrivateMariadb {
  /** `mysql://root@127.0.0.1:<port>` (no database). */
  adminUrl: string;
  port: number;
  /** SIGKILLs the server (a crash, not a shutdown). */
  kill(): Promise<void>;
  /** Starts it again on the same datadir and port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes its datadir. */
  destroy(): Promise<void>;
}

export async function startPrivateMariadb(): Promise<PrivateMariadb> {
  const dir = tempDir('etl-rel-mariadb-');
  const datadir = join(dir, 'data');
  mkdirSync(datadir);
  await promisify(execFile)(
    sbin('mariadb-install-db'),
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      '--auth-root-authentication-method=normal',
      '--user=root',
      '--skip-test-db',
    ],
    {
      timeout: 120_000,
    },
  );
  const port = await freePort();
  const adminUrl = `mysql://root@127.0.0.1:${port}`;
  let server: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const start = async () => {
    const child = spawn(
      sbin('mariadbd'),
      [
        '--no-defaults',
        `--datadir=${datadir}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--socket=${join(dir, 'sock')}`,
        `--pid-file=${join(dir, 'pid')}`,
        '--user=root',
        '--skip-name-resolve',
        '--innodb-buffer-pool-size=64M',
        '--local-infile=1',
      ],
      { stdio: 'ignore' },
    );
    server = child;
    exited = new Promise((r) => child.on('exit', () => r()));
    const up = await waitFor(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`private mariadbd exited with ${child.exitCode}; see ${datadir}/*.err`);
        try {
          const c = await mysql2.createConnection({ uri: adminUrl, connectTimeout: 2000 });
          await c.end();
          return true;
        } catch {
          return false;
        }
      },
      120_000,
      200,
    );
    if (!up) throw new Error(`private mariadbd on port ${port} did not accept connections within 2 minutes`);
  };

  const kill = async () => {
    server?.kill('SIGKILL');
    await exited;
    server = undefined;
  };

  await start();
  return {
    adminUrl,
    port,
    kill,
    start,
    async destroy() {
      if (server) {
        server.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
        if (server.exitCode === null) await kill();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
