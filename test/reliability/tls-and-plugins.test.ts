/**
 * TLS certificate checks stay on: a local HTTPS server with a self-signed certificate, used as the HubSpot or Kaggle
 * base URL, must be refused with a certificate error before any request reaches it; no source turns checks off.
 * Plugins load only from the candidate list or an explicit path: a same-named file in the working folder never loads.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  buildWorkspace,
  etl,
  listFiles,
  makeProject,
  parseJson,
  removeTemps,
  repoRoot,
  tempDir,
} from '../helpers/reliability-env.js';
import { startStack, type Stack } from '../helpers/reliability-stack.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const pluginsDir = join(import.meta.dirname, 'fixtures/pipelines-plugins');
const sampleCsv = join(repoRoot, 'packages/sandbox/data/babyNamesUSYOB-sample.csv');
let stack: Stack;
let server: Server | undefined;
let httpsUrl = '';
let requestsSeen = 0;

beforeAll(async () => {
  await buildWorkspace();
  stack = await startStack({ label: 'tls' });
  if (!hasOpenssl) return;
  const dir = tempDir();
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  server = createServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (_req, res) => {
      requestsSeen++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"results":[]}');
    },
  );
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  httpsUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 600_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await stack?.close();
  removeTemps();
});

describe.skipIf(!hasOpenssl)('self-signed HTTPS endpoints are refused', () => {
  test.each([
    ['HUBSPOT_BASE_URL', 'hubspot'],
    ['KAGGLE_BASE_URL', 'kaggle'],
  ])(
    '%s pointing at a self-signed server: the run fails with a certificate error, no request gets through',
    async (variable, step) => {
      const before = requestsSeen;
      const project = makeProject();
      const result = await etl(
        [
          'run',
          'babynames',
          '--json',
          '--profile',
          'demo',
          '--set',
          'steps.kaggle.config.mode=api',
          '--set',
          'steps.hubspot.retry.attempts=2',
        ],
        { cwd: project.dir, env: { ...stack.env, [variable]: httpsUrl } },
      );
      const out = parseJson(result);
      // A certificate error cannot heal by waiting: fatal (exit 5), not "retries exhausted" (6).
      expect(result.code).toBe(5);
      expect(out.status).toBe('failed');
      console.log(`[reliability] tls: ${variable}: exit ${result.code} ${out.error.code}: ${out.error.message}`);
      const said = `${out.error.message} ${out.error.suggestions.join(' ')} ${result.stderr}`;
      expect(said).toMatch(/certificate|self[- ]signed|SELF_SIGNED|CERT_/i);
      expect(JSON.stringify(out.steps.find((s: any) => s.step === step) ?? {})).toBeTruthy();
      expect(requestsSeen - before).toBe(0);
    },
    300_000,
  );
});

test('no source turns TLS checks off (rejectUnauthorized: false, NODE_TLS_REJECT_UNAUTHORIZED, ignoreHTTPSErrors)', () => {
  const offenders: string[] = [];
  const forbidden =
    /rejectUnauthorized\s*:\s*false|NODE_TLS_REJECT_UNAUTHORIZED|ignoreHTTPSErrors\s*:\s*true|ignore-certificate-errors|checkServerIdentity\s*:/;
  const roots = readdirSync(join(repoRoot, 'packages')).flatMap((p) =>
    ['src', 'bin'].map((d) => join(repoRoot, 'packages', p, d)),
  );
  let scanned = 0;
  for (const file of roots.flatMap((r) => listFiles(r))) {
    if (!/\.(ts|js|mjs|cjs)$/.test(file)) continue;
    scanned++;
    if (forbidden.test(readFileSync(file, 'utf8'))) offenders.push(file);
  }
  expect(scanned).toBeGreaterThan(50);
  expect(offenders).toEqual([]);
});

describe('plugins load only from the candidate list or an explicit path', () => {
  const plant = (dir: string, names: string[]) =>
    names.forEach((n) => copyFileSync(join(pluginsDir, 'marker-plugin.mjs'), join(dir, n)));
  const markers = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('LOADED-'));

  test('`use: evilplug` does not load ./evilplug.js (or .mjs, or evilplug/index.js) from the working folder', async () => {
    const project = makeProject(pluginsDir);
    plant(project.dir, ['evilplug.js', 'evilplug.mjs']);
    mkdirSync(join(project.dir, 'evilplug'));
    copyFileSync(join(pluginsDir, 'marker-plugin.mjs'), join(project.dir, 'evilplug/index.mjs'));
    writeFileSync(
      join(project.dir, 'evilplug/package.json'),
      JSON.stringify({ name: 'evilplug', type: 'module', exports: './index.mjs' }),
    );
    const result = await etl(['run', 'by-name', '--json'], { cwd: project.dir, env: { RELIABILITY_CSV: sampleCsv } });
    expect(markers(project.dir)).toEqual([]);
    expect([3, 4]).toContain(result.code);
    expect(JSON.stringify(parseJson(result).error)).toMatch(
      /unknown plugin \\"evilplug\\" \(tried @etl\/source-evilplug/,
    );
    expect(listFiles(project.dir).filter((f) => f.includes('LOADED-'))).toEqual([]);
  }, 120_000);

  test('`use: kaggle` / `mysql` load the real plugins even when kaggle.js and mysql.js sit in the working folder', async () => {
    const project = makeProject();
    plant(project.dir, ['kaggle.js', 'kaggle.mjs', 'mysql.js', 'mysql.mjs', 'validate.js', 'filter.js']);
    const result = await etl(
      [
        'run',
        'babynames',
        '--profile',
        'mysql-only',
        '--json',
        '--set',
        'steps.kaggle.config.mode=file',
        '--set',
        `steps.kaggle.config.path=${sampleCsv}`,
      ],
      { cwd: project.dir, env: { MYSQL_URL: stack.db.url } },
    );
    expect(result.code).toBe(0);
    expect(markers(project.dir)).toEqual([]);
    expect(parseJson(result).steps.find((s: any) => s.step === 'mysql').written).toBe(3000);
  }, 120_000);

  test('positive control: an explicit `use: ./marker-plugin.mjs` does load (so the marker would show a wrong load)', async () => {
    const project = makeProject(pluginsDir);
    const result = await etl(['run', 'by-path', '--json'], { cwd: project.dir, env: { RELIABILITY_CSV: sampleCsv } });
    expect(result.code).toBe(0);
    expect(markers(project.dir)).toEqual(['LOADED-marker-plugin.mjs']);
    expect(existsSync(join(project.dir, 'LOADED-marker-plugin.mjs'))).toBe(true);
  }, 120_000);
});
