/**
 * Starting and stopping runs from the dashboard. Runs start as `etl run <pipeline> --profile P` child processes of
 * the server (or, with workers, go onto the queue: `queueLauncher`); stopping sends SIGINT, as Ctrl-C does, so the run
 * checkpoints and exits 130. Only runs this server started can be stopped from it.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface StartRequest {
  pipeline: string;
  profile?: string;
  /** `--sandbox`: against the local stand-ins of Kaggle, HubSpot and Pipedrive. */
  sandbox?: boolean;
}

/** A start asked of the dashboard: a child process, or a queued job. */
export interface Launch {
  id: number;
  pipeline: string;
  profile?: string;
  startedAt: string;
  pid?: number;
  jobId?: string;
  /** Set once the child exited: 0, 130 after a stop, the run's exit code otherwise. */
  exitCode?: number;
  /** The last lines the child wrote to stderr once it failed (a pipeline that did not load has no run folder). */
  output?: string;
}

export interface RunLauncher {
  /** `queue` when starts go onto the queue for workers. */
  readonly mode: 'spawn' | 'queue';
  start(request: StartRequest): Promise<Launch>;
  /** Sends SIGINT to a run this launcher started; false when it did not start it (or it ended). */
  stop(pid: number): boolean;
  owns(pid: number): boolean;
  launches(): Launch[];
  /** Stops the runs still going and waits for them to checkpoint and exit. */
  close(): Promise<void>;
}

const KEPT_LAUNCHES = 20;
const KEPT_OUTPUT = 4000;

export interface SpawnOptions {
  /** The CLI's `bin/run.js`. */
  cliBin: string;
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

export function spawnLauncher(options: SpawnOptions): RunLauncher {
  const children = new Map<number, ChildProcess>();
  /** One SIGINT per run: a second one makes `etl run` exit at once, without its checkpoint. */
  const stopping = new Set<number>();
  const launches: Launch[] = [];
  let next = 1;
  const stop = (pid: number): boolean => {
    const child = children.get(pid);
    if (!child || stopping.has(pid)) return child !== undefined;
    stopping.add(pid);
    return child.kill('SIGINT');
  };
  const remember = (launch: Launch): Launch => {
    launches.unshift(launch);
    launches.length = Math.min(launches.length, KEPT_LAUNCHES);
    return launch;
  };
  return {
    mode: 'spawn',
    async start(request) {
      const args = [options.cliBin, 'run', request.pipeline, '--log-level', 'warn'];
      if (request.profile) args.push('--profile', request.profile);
      if (request.sandbox) args.push('--sandbox');
      const child = spawn(process.execPath, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', 'ignore', 'pipe'],
        // Its own process group: Ctrl-C on `etl ui` must not reach the run too, or the SIGINT the server forwards
        // would be the run's second one, which exits at once without a checkpoint.
        detached: true,
      });
      const launch = remember({
        id: next++,
        pipeline: request.pipeline,
        profile: request.profile,
        startedAt: new Date().toISOString(),
        pid: child.pid,
      });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString('utf8')).slice(-KEPT_OUTPUT);
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
      const pid = child.pid!;
      children.set(pid, child);
      child.once('exit', (code, signal) => {
        children.delete(pid);
        stopping.delete(pid);
        launch.exitCode = code ?? (signal === 'SIGINT' ? 130 : 1);
        if (launch.exitCode !== 0 && launch.exitCode !== 130) launch.output = stderr.trim();
      });
      return launch;
    },
    stop,
    owns: (pid) => children.has(pid),
    launches: () => launches,
    async close() {
      const exits = [...children.values()].map((child) => new Promise((resolve) => child.once('exit', resolve)));
      for (const pid of children.keys()) stop(pid);
      await Promise.all(exits);
    },
  };
}

/** Starts go onto the queue (`etl enqueue`); `etl worker`s run them, and their runs show up through the history. */
export function queueLauncher(enqueue: (request: StartRequest) => Promise<{ jobId: string }>): RunLauncher {
  const launches: Launch[] = [];
  let next = 1;
  return {
    mode: 'queue',
    async start(request) {
      const { jobId } = await enqueue(request);
      const launch = {
        id: next++,
        pipeline: request.pipeline,
        profile: request.profile,
        startedAt: new Date().toISOString(),
        jobId,
      };
      launches.unshift(launch);
      launches.length = Math.min(launches.length, KEPT_LAUNCHES);
      return launch;
    },
    stop: () => false,
    owns: () => false,
    launches: () => launches,
    close: async () => undefined,
  };
}
