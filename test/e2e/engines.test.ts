/** One Node.js floor for the whole repository: every package.json says it, setup.sh checks it, this Node meets it. */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { repoRoot } from '../helpers/paths.js';

// The oldest Node.js everything runs on: typeorm 1.1 and vite 8 need 20.19 (node:zlib crc32 needs 20.15).
const floor = '>=20.19';

const manifests = [
  'package.json',
  ...['packages', 'examples'].flatMap((dir) =>
    readdirSync(join(repoRoot, dir))
      .map((name) => `${dir}/${name}/package.json`)
      .filter((file) => existsSync(join(repoRoot, file))),
  ),
];
const checkScript = join(repoRoot, 'scripts/check-node.js');

describe('engines.node', () => {
  test.each(manifests)(`%s says ${floor}`, (file) => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, file), 'utf8')) as {
      engines?: { node?: string };
      private?: boolean;
    };
    expect(manifest.engines?.node, `${file} engines.node`).toBe(floor);
  });

  test('the running Node.js meets the floor', () => {
    const [major, minor] = process.versions.node.split('.').map(Number);
    const [floorMajor, floorMinor] = floor.slice(2).split('.').map(Number);
    expect(major > floorMajor || (major === floorMajor && minor >= floorMinor), `Node ${process.versions.node}`).toBe(
      true,
    );
  });

  test('setup.sh stops on an older Node.js with a message that says what to install', () => {
    expect(readFileSync(join(repoRoot, 'scripts/setup.sh'), 'utf8')).toContain('node scripts/check-node.js');
    const check = (version?: string) =>
      spawnSync(process.execPath, [checkScript, ...(version ? [version] : [])], { encoding: 'utf8' });
    expect(check().status).toBe(0);
    expect(check('20.19.0').status).toBe(0);
    expect(check('22.1.0').status).toBe(0);
    for (const old of ['20.18.3', '20.11.1', '18.20.0']) {
      const r = check(old);
      expect(r.status, old).toBe(1);
      expect(r.stderr).toContain(`Node.js 20.19 or newer is required; this is ${old}.`);
      expect(r.stderr).toContain('Try this:');
    }
  });
});
