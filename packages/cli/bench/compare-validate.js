// `etl validate` in this checkout against another built checkout of the repository (the commit before a change, in its
// own git worktree), alternated round by round with the floor `node -e ''`, so that all three see the same load:
//
//   node packages/cli/bench/compare-validate.js <other checkout> [rounds=20] [validate args…]
//
// Each run is timed by /usr/bin/time (wall, and CPU = user + sys, which a busy machine distorts less than wall time);
// prints the medians and ranges, the ratios and the load average. Not part of `pnpm bench`: it needs the other checkout.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const [other, rounds = '20', ...args] = process.argv.slice(2);
if (!other) throw new Error('usage: compare-validate.js <other checkout> [rounds] [validate args…]');
const trees = { before: path.resolve(other), after: here };
const load1 = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

/** Wall and CPU seconds of `node argv…` run in `cwd` (throws when it fails). */
function timed(cwd, argv) {
  const run = spawnSync('/usr/bin/time', ['-f', '%e %U %S', process.execPath, ...argv], { cwd, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${cwd}: node ${argv.join(' ')} exited ${run.status}: ${run.stderr}`);
  const [wall, user, sys] = run.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { wall, cpu: user + sys };
}

const times = { before: [], after: [], floor: [] };
const loads = [];
for (let i = 0; i < Number(rounds); i++) {
  loads.push(load1());
  times.floor.push(timed(here, ['-e', '']));
  // Which goes first alternates too: a run warms the file cache for the one after it.
  for (const tree of i % 2 ? ['after', 'before'] : ['before', 'after'])
    times[tree].push(timed(trees[tree], ['packages/cli/bin/run.js', 'validate', ...args]));
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const shown = (values) =>
  `${median(values).toFixed(3)} s (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;
for (const [name, runs] of Object.entries(times)) {
  console.log(`${name.padEnd(6)} wall ${shown(runs.map((r) => r.wall))}  cpu ${shown(runs.map((r) => r.cpu))}`);
}
const ratio = (key) => (median(times.after.map((r) => r[key])) / median(times.before.map((r) => r[key]))).toFixed(2);
console.log(`after / before: wall ${ratio('wall')} ×, cpu ${ratio('cpu')} ×`);
console.log(`load ${Math.min(...loads)}–${Math.max(...loads)}; ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);
