/**
 * Keeps a long run's heap near what it really holds. Records flow through in batches that wait on the database or
 * the network, so most of them outlive a young-generation collection and are promoted; on a machine with plenty of
 * memory V8 then lets the old generation grow long before collecting it (a 2,020,863-row load peaked at 330-420 MB
 * of heap; capped with --max-old-space-size=96 it ran as fast in 190 MB of RSS). Node cannot lower its heap limit
 * once started, so instead this asks V8 for a concurrent (non-blocking) full collection whenever the heap has grown
 * `stepMb` (32 MB) past what the last one left. It bounds the peak less tightly than a cap: see docs/benchmarks.md.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => unknown;

/** Starts watching; returns a stop function. Does nothing when the caller set heap flags of their own. */
export function trimHeapWhileRunning(options: { stepMb?: number; everyMs?: number } = {}): () => void {
  const flags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (/--max-old-space-size|--max-semi-space-size|--expose-gc/.test(flags)) return () => undefined;
  let gc: Gc | undefined;
  try {
    // The documented way to reach V8's gc() from a running process: a new context gets the extension.
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as Gc;
  } catch {
    return () => undefined;
  }
  const step = (options.stepMb ?? 32) * 1024 * 1024;
  let floor = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    const used = process.memoryUsage().heapUsed;
    if (used < floor + step) return;
    gc!({ type: 'major', execution: 'async' });
    // What is left after this collection shows at the next ticks; until then, do not ask again.
    floor = used;
    setTimeout(() => (floor = Math.min(floor, process.memoryUsage().heapUsed)), 1000).unref();
  }, options.everyMs ?? 250);
  timer.unref();
  return () => clearInterval(timer);
}
