import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildCli, etl, makeProject, removeProjects } from './helpers.js';

let project: string;
beforeAll(async () => {
  await buildCli();
  project = makeProject();
  // What a hostile CSV row amounts to: a cell that sets the terminal title, clears the screen and reverses text.
  writeFileSync(
    join(project, 'plugins/hostile-source.js'),
    `export default { name: 'hostile', kind: 'source', configSchema: { type: 'object' },\n` +
      `  async *read() { yield { records: [{ id: 1, year: '\\u001b]0;pwned\\u0007 \\u001b[2J\\u009b31m\\u202eevil' }], position: 1, locate: () => 'hostile\\u001b[8m.csv:2' }; } };\n`,
  );
  writeFileSync(
    join(project, 'pipelines/hostile.yaml'),
    'version: 1\nsteps:\n  source:\n    use: ../plugins/hostile-source.js\n  typed:\n    use: validate\n    inputs: [source]\n    config:\n      fields: { year: { type: integer } }\n' +
      '  out:\n    use: ../plugins/file-sink.js\n    inputs: [typed]\n    config: { file: out.jsonl }\n',
  );
}, 600_000);
afterAll(removeProjects);

test('etl runs show prints control characters from data as visible escapes', async () => {
  const run = await etl(['run', 'hostile', '--json'], { cwd: project });
  const { runId } = JSON.parse(run.stdout) as { runId: string };
  const show = await etl(['runs', 'show', runId], { cwd: project });
  expect(show.code).toBe(0);
  expect(show.stdout).toContain('year: \\x1b]0;pwned\\x07 \\x1b[2J\\x9b31m\\u202eevil is not an integer');
  expect(show.stdout).toContain('hostile\\x1b[8m.csv:2');
  expect(show.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
}, 180_000);
