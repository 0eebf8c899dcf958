/** The docs say what the code says: every hook of core's table of hooks, every exit code with its meaning. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { EXIT_CODE_MEANINGS, PLUGIN_HOOKS } from '@etl/core';
import { repoRoot } from '../helpers/paths.js';

const guide = readFileSync(join(repoRoot, 'docs/plugin-authoring.md'), 'utf8');
/** The lifecycle table's row of a kind: `| sink | … |`. */
const row = (kind: string) => guide.split('\n').find((line) => line.startsWith(`| ${kind} |`)) ?? '';

describe('docs/plugin-authoring.md', () => {
  test.each(Object.entries(PLUGIN_HOOKS))('the %s row names every hook, marking optional ones', (kind, hooks) => {
    const text = row(kind);
    expect(text, `no lifecycle row for ${kind}`).not.toBe('');
    for (const [hook, need] of Object.entries(hooks)) {
      if (hook === 'checkConfig') continue; // every kind has it; the guide says so once, under the table
      expect(text, `${kind}: ${hook}`).toMatch(
        need === 'optional' ? new RegExp(`\`${hook}\\?`) : new RegExp(`\`${hook}[\`(]`),
      );
    }
    expect(guide).toContain('`checkConfig(config)`');
  });
});

describe('exit codes', () => {
  /** The `| code | meaning |` rows of a markdown file. */
  const rows = (file: string) =>
    readFileSync(join(repoRoot, file), 'utf8')
      .split('\n')
      .map((line) => /^\| (\d+) \| (.+) \|$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [Number(m[1]), m[2]]);

  test.each(['README.md', 'packages/cli/README.md'])(
    '%s lists exactly the codes and meanings etl --help prints',
    (file) => {
      expect(rows(file)).toEqual(EXIT_CODE_MEANINGS.map(([code, text]) => [code, text]));
    },
  );
});
