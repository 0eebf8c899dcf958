// What the benchmarks share: measuring a child process (wall time, peak RSS from /proc), the machine's load, a
// generated source of distinct baby-name records and a one-source, one-sink pipeline to run it through, the
// stand-ins' counters, and running a bench file on its own.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runPipeline } from '@etl/core';
import { memorySource } from '@etl/testing';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const cliBin = path.join(repoRoot, 'packages/cli/bin/run.js');

/** The three load averages, as /proc/loadavg prints them ("1.20 0.90 0.70"). */
export const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
/** The 1-minute load average. */
export const load1 = () => Number(loadavg().split(' ')[0]);

/** A `kB` field of /proc/<pid>/status (VmHWM: peak RSS, VmRSS: RSS now), in kB; undefined once it has exited. */
export function statusKb(pid, field) {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; undefined once it has exited. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 a second on Linux)
  } catch {
    return undefined;
  }
}

/**
 * Runs `command args…` as a child process and measures it: wall seconds, CPU seconds (as of the last sample, at most
 * 50 ms before it exits: on a shared machine a steadier figure than wall time), peak RSS (VmHWM, sampled every 50 ms:
 * the kernel's own high-water mark, so a peak between samples counts too) and RSS every 0.5 s, both in MB, and the load
 * average before it. Rejects when it exits non-zero, with the end of its output.
 */
export function measureProcess(command, args, { cwd, env } = {}) {
  return new Promise((resolve, reject) => {
    const loadBefore = loadavg();
    const started = performance.now();
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakKb = 0;
    let cpu = 0;
    const samples = [];
    let tick = 0;
    const sampler = setInterval(() => {
      peakKb = Math.max(peakKb, statusKb(child.pid, 'VmHWM') ?? 0);
      cpu = cpuSeconds(child.pid) ?? cpu;
      if (tick++ % 10 === 0) samples.push(Math.round((statusKb(child.pid, 'VmRSS') ?? 0) / 1024));
    }, 50);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(sampler);
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0)
        return reject(
          new Error(
            `${path.basename(args[0] ?? command)} ${args.slice(1).join(' ')} exited ${code}: ${stderr.slice(-2000)}${stdout.slice(-2000)}`,
          ),
        );
      resolve({ seconds, cpuSeconds: cpu, stdout, peakRssMb: Math.round(peakKb / 1024), samples, loadBefore });
    });
  });
}

/** `node packages/cli/bin/run.js …args`, as a user starts etl, measured (see measureProcess). */
export const measureEtl = (args, options) => measureProcess(process.execPath, [cliBin, ...args], options);

/** `total` distinct name + sex records, made one at a time as the runtime asks (memorySource resumes at its position). */
const nameRecords = (total) =>
  memorySource((i) => (i < total ? { name: `Name${i}`, sex: i % 2 ? 'M' : 'F' } : undefined), {
    name: 'generator',
    label: 'generator',
    batchSize: 5000,
  });

/** A resolved pipeline `bench`: `source` (a plugin) feeding one sink step. */
function sourceToSink(source, sink, { name = 'bench', secrets = [] } = {}) {
  const step = (stepName, kind, use, from, plugin, config, inputs) => ({
    name: stepName,
    kind,
    use,
    from,
    plugin,
    config,
    inputs,
  });
  return {
    name,
    file: `${name}.yaml`,
    steps: [
      step('generator', 'source', 'generator', 'bench', source, {}, []),
      step(sink.name, 'sink', sink.name, sink.from, sink.plugin, sink.config, ['generator']),
    ],
    limiters: {},
    secrets,
  };
}

/**
 * Runs `total` distinct name records through one sink step (`{ name, from, plugin, config }`, the config with its
 * schema defaults) with core's runtime: its wall seconds and the sink step's summary. Throws unless the run succeeded.
 */
export async function syncNames(total, sink, { stateDir, stateStore, secrets = [], name = 'bench' }) {
  const started = performance.now();
  const options = stateStore ? { stateDir, stateStore } : { stateDir };
  const summary = await runPipeline(sourceToSink(nameRecords(total), sink, { name, secrets }), options);
  const seconds = (performance.now() - started) / 1000;
  if (summary.status !== 'succeeded') throw new Error(`run ${summary.status}: ${summary.error?.message}`);
  return { seconds, step: summary.steps.find((s) => s.step === sink.name) };
}

/** Requests a stand-in refused with 429, over all its routes (`stats()` of a stand-in). */
export const refused = (stats) => Object.values(stats.rateLimited).reduce((a, b) => a + b, 0);
/** Upsert requests a HubSpot stand-in answered. */
export const upserts = (stats) =>
  Object.entries(stats.byRoute)
    .filter(([route]) => route.includes('upsert'))
    .reduce((n, [, v]) => n + v, 0);

/** Runs the bench when its file is run directly (`node …/x.bench.js`) and prints its result. */
export async function runIfMain(moduleUrl, bench) {
  if (process.argv[1] && moduleUrl === pathToFileURL(path.resolve(process.argv[1])).href)
    console.log(JSON.stringify(await bench.run(), null, 2));
}

/** The V8 settings `etl` runs with (bin/run.js), for benches that run the runtime in a process of their own. */
export { sizeYoungGeneration, tuneHeap } from '../packages/cli/dist/heap.js';
