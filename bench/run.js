#!/usr/bin/env node
// Benchmark harness: finds packages/*/bench/*.bench.js and examples/*/bench/*.bench.js, runs each module's default
// export `{ name, run() }` in its own Node process (so one bench's memory does not skew the next's RSS figures), prints
// a table, and writes bench/results/<timestamp>.json and bench/results/latest.json.
//
//   node bench/run.js                 all benchmarks
//   node bench/run.js runtime mysql   only those whose file path or name contains one of the words
//
// Benchmarks import built dist/ code: run `tsc -b` first (`pnpm bench` does both).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs one bench module in this process and prints its result as one JSON line (child mode). */
async function runOne(file) {
  const mod = await import(pathToFileURL(file).href);
  const bench = mod.default;
  if (!bench || typeof bench.run !== 'function') {
    throw new Error(
      `${relative(root, file)} must default-export { name, run(): Promise<Record<string, number|string>> }`,
    );
  }
  const started = performance.now();
  const metrics = await bench.run();
  process.stdout.write(
    `\n@@bench-result ${JSON.stringify({ name: bench.name ?? file, metrics, wallSeconds: (performance.now() - started) / 1000 })}\n`,
  );
}

function discover(filters) {
  const files = [];
  for (const group of ['packages', 'examples']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const pkg of readdirSync(base).sort()) {
      const dir = join(base, pkg, 'bench');
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir).sort()) if (name.endsWith('.bench.js')) files.push(join(dir, name));
    }
  }
  return filters.length === 0 ? files : files.filter((f) => filters.some((w) => relative(root, f).includes(w)));
}

function runChild(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--one', file], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('@@bench-result '));
      const passthrough = out
        .split('\n')
        .filter((l) => l && !l.startsWith('@@bench-result '))
        .join('\n');
      if (passthrough) process.stdout.write(`${passthrough}\n`);
      if (line) resolve(JSON.parse(line.slice('@@bench-result '.length)));
      else resolve({ name: relative(root, file), error: `exited with code ${code} without a result` });
    });
  });
}

async function main(args) {
  const files = discover(args);
  if (files.length === 0) {
    console.error(
      args.length ? `No benchmark matches ${args.join(', ')}.` : 'No benchmarks found (packages/*/bench/*.bench.js).',
    );
    process.exitCode = 1;
    return;
  }
  const startedAt = new Date().toISOString();
  const machine = {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    loadavgAtStart: loadavg().map((l) => +l.toFixed(2)),
  };
  console.log(
    `Running ${files.length} benchmark(s) on Node ${machine.node}, ${machine.cpus} CPUs, load ${machine.loadavgAtStart.join(' ')}`,
  );
  const results = [];
  for (const file of files) {
    const rel = relative(root, file);
    console.log(`\n▶ ${rel}`);
    const result = { file: rel, ...(await runChild(file)) };
    results.push(result);
    if (result.error) console.log(`  ✗ ${result.error}`);
    else {
      console.log(`  ${result.name}`);
      console.table(result.metrics);
    }
  }
  const report = {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: { ...machine, loadavgAtEnd: loadavg().map((l) => +l.toFixed(2)) },
    results,
  };
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(join(dir, `${startedAt.replace(/[:.]/g, '-')}.json`), json);
  writeFileSync(join(dir, 'latest.json'), json);
  console.log(`\nSummary (${relative(root, join(dir, 'latest.json'))}):`);
  console.table(Object.fromEntries(results.map((r) => [r.name, r.error ? { error: r.error } : r.metrics])));
  if (results.some((r) => r.error)) process.exitCode = 1;
}

const args = process.argv.slice(2);
if (args[0] === '--one') {
  runOne(args[1]).catch((error) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  });
} else {
  await main(args);
}
