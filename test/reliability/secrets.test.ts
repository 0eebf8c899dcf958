/**
 * Secrets: the stand-ins and a MySQL user get distinctive passwords and tokens; successful and failing runs (wrong
 * MySQL password, HubSpot 401, Kaggle 401 and wrong browser password, refused connections) are made, then stdout,
 * stderr and every file under each state folder (logs, rejects, summaries, journal, sessions, screenshots and page
 * HTML) are searched for each secret, raw, URL-encoded and base64: none may appear.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  buildWorkspace,
  createTestDatabase,
  etl,
  listFiles,
  makeProject,
  mysqlAdminUrl,
  parseJson,
  removeTemps,
  tempDir,
  withConnection,
} from '../helpers/reliability-env.js';
import { findLeaks } from '../helpers/reliability-secrets.js';
import { startStack, type Stack } from '../helpers/reliability-stack.js';

const S = {
  kaggleToken: 'KGAT_RelTok9f8e7d6c5b4a3921',
  kagglePassword: 'Rel-Kaggle-Pw#4471xq',
  kaggleKey: 'RelKaggleKey3c2b1a0f9e8d',
  hubspotToken: 'pat-na1-RelHubTok-5a5b5c5d6e',
  mysqlPassword: 'RelMySQLpw@8823/zz',
  wrongMysqlPassword: 'WrongMySQLpw@7710/qq',
  wrongHubspotToken: 'pat-na1-WrongHubTok-77aa88bb',
  wrongKagglePassword: 'Wrong-Kaggle-Pw#9931',
  wrongKaggleKey: 'WrongKaggleKey11ff22ee',
};
const kaggleUser = 'reluserzq';
const mysqlUser = `etl_rel_${Math.random().toString(36).slice(2, 8)}`;

let stack: Stack;
const stateDirs: string[] = [];
const outputs: Record<string, string> = {};

beforeAll(async () => {
  await buildWorkspace();
  stack = await startStack({ label: 'secrets', kaggleToken: S.kaggleToken, hubspotToken: S.hubspotToken });
}, 600_000);

afterAll(async () => {
  await stack?.close();
  await withConnection(mysqlAdminUrl, (c) => c.query(`DROP USER IF EXISTS '${mysqlUser}'@'%'`)).catch(() => undefined);
  removeTemps();
});

/** One CLI run in its own project; its output and state folder join what is scanned at the end. */
async function run(label: string, args: string[], env: Record<string, string>) {
  const project = makeProject();
  stateDirs.push(project.stateDir);
  const result = await etl(['run', 'babynames', '--json', '--profile', 'demo', ...args], {
    cwd: project.dir,
    env: { ...stack.env, ...env },
  });
  outputs[`${label} stdout`] = result.stdout;
  outputs[`${label} stderr`] = result.stderr;
  return { result, out: parseJson(result) };
}

test('no secret appears in any output or state file after successful and failing runs', async () => {
  // Kaggle stand-in with every credential distinctive (token for api, password for browser, user + key for Basic).
  const { startKaggleSandbox } = await import('@etl/sandbox');
  const kaggle = await startKaggleSandbox({
    credentials: {
      token: S.kaggleToken,
      password: S.kagglePassword,
      username: kaggleUser,
      key: S.kaggleKey,
      email: 'rel.secrets@example.com',
    },
  });
  try {
    const db = await createTestDatabase('secrets_user');
    await withConnection(mysqlAdminUrl, async (c) => {
      await c.query(`CREATE USER '${mysqlUser}'@'%' IDENTIFIED BY ?`, [S.mysqlPassword]);
      await c.query(`GRANT ALL PRIVILEGES ON \`${db.name}\`.* TO '${mysqlUser}'@'%'`);
    });
    const url = (password: string, port = 3306) =>
      `mysql://${mysqlUser}:${encodeURIComponent(password)}@127.0.0.1:${port}/${db.name}`;
    const base = { KAGGLE_BASE_URL: kaggle.baseUrl, MYSQL_URL: url(S.mysqlPassword) };
    const apiEnv = { ...base, KAGGLE_API_TOKEN: S.kaggleToken };
    try {
      const ok = await run('api ok', ['--set', 'steps.kaggle.config.mode=api'], apiEnv);
      expect(ok.result.code).toBe(0);
      const basic = await run('basic ok', ['--set', 'steps.kaggle.config.mode=api'], {
        ...base,
        KAGGLE_API_TOKEN: '',
        KAGGLE_USERNAME: kaggleUser,
        KAGGLE_KEY: S.kaggleKey,
      });
      expect(basic.result.code).toBe(0);
      const browser = await run('browser ok', ['--set', 'steps.kaggle.config.mode=browser'], {
        ...base,
        KAGGLE_EMAIL: 'rel.secrets@example.com',
        KAGGLE_PASSWORD: S.kagglePassword,
      });
      expect(browser.result.code).toBe(0);

      const failures: Array<[string, string[], Record<string, string>, string]> = [
        [
          'mysql wrong password',
          ['--set', 'steps.kaggle.config.mode=api'],
          { ...apiEnv, MYSQL_URL: url(S.wrongMysqlPassword) },
          'MYSQL_ACCESS_DENIED',
        ],
        [
          'mysql refused',
          ['--set', 'steps.kaggle.config.mode=api'],
          { ...apiEnv, MYSQL_URL: url(S.mysqlPassword, 1) },
          'MYSQL_CONNECTION_REFUSED',
        ],
        [
          'hubspot 401',
          ['--set', 'steps.kaggle.config.mode=api'],
          { ...apiEnv, HUBSPOT_ACCESS_TOKEN: S.wrongHubspotToken },
          'HUBSPOT_UNAUTHORIZED',
        ],
        [
          'hubspot refused',
          ['--set', 'steps.kaggle.config.mode=api'],
          { ...apiEnv, HUBSPOT_BASE_URL: 'http://127.0.0.1:1' },
          'HUBSPOT_',
        ],
        [
          'kaggle 401 basic',
          ['--set', 'steps.kaggle.config.mode=api'],
          { ...base, KAGGLE_API_TOKEN: '', KAGGLE_USERNAME: kaggleUser, KAGGLE_KEY: S.wrongKaggleKey },
          'KAGGLE_',
        ],
        [
          'kaggle wrong browser password',
          ['--set', 'steps.kaggle.config.mode=browser'],
          { ...base, KAGGLE_EMAIL: 'rel.secrets@example.com', KAGGLE_PASSWORD: S.wrongKagglePassword },
          'KAGGLE_LOGIN_FAILED',
        ],
      ];
      const codes: Record<string, string> = {};
      for (const [label, args, env, code] of failures) {
        const { result, out } = await run(label, args, env);
        codes[label] = `${result.code} ${out.error?.code}`;
        expect(result.code, `${label}: ${result.stdout}`).not.toBe(0);
        expect(out.error?.code, label).toContain(code);
      }
      console.log(`[reliability] secrets: failing runs and their codes: ${JSON.stringify(codes)}`);
    } finally {
      await db.drop();
    }
  } finally {
    await kaggle.close();
  }

  const secrets = [...Object.values(S), `${kaggleUser}:${S.kaggleKey}`, `${kaggleUser}:${S.wrongKaggleKey}`];
  const { leaks, filesScanned } = findLeaks(secrets, outputs, stateDirs);
  console.log(
    `[reliability] secrets: ${Object.keys(outputs).length} outputs and ${filesScanned} state files scanned for ${secrets.length} secrets`,
  );
  expect(filesScanned).toBeGreaterThan(20);
  // The failed browser sign-in left its screenshot and page HTML, and the browser run its session: all scanned.
  const files = stateDirs.flatMap((d) => listFiles(d));
  expect(files.some((f) => f.endsWith('.png'))).toBe(true);
  expect(files.some((f) => f.endsWith('.html'))).toBe(true);
  expect(files.some((f) => f.endsWith('state.mdb'))).toBe(true);
  expect(leaks).toEqual([]);
}, 600_000);

test('the scan finds a planted secret in every form it searches for (so an empty result means something)', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'raw.log'), `token=${S.hubspotToken}`);
  writeFileSync(join(dir, 'url.txt'), `mysql://u:${encodeURIComponent(S.mysqlPassword)}@h/db`);
  writeFileSync(
    join(dir, 'basic.har'),
    `Authorization: Basic ${Buffer.from(`${kaggleUser}:${S.kaggleKey}`).toString('base64')}`,
  );
  const { leaks } = findLeaks([S.hubspotToken, S.mysqlPassword, S.kaggleKey], {}, [dir]);
  expect(new Set(leaks.map((l) => l.where.split('/').pop()))).toEqual(new Set(['raw.log', 'url.txt', 'basic.har']));
});
