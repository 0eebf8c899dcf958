/**
 * A run's rejects and log, read for one page of the dashboard: rejects streamed and filtered (a run may hold millions),
 * the log from its end. Both files are written redacted by the runtime; the server masks known secrets once more.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface Reject {
  /** 1-based position in the rejects file. */
  n: number;
  step: string;
  location?: string;
  reason: string;
  record: unknown;
}

export interface RejectsPage {
  /** Rejects that match the search (all of them without one). */
  total: number;
  offset: number;
  items: Reject[];
}

export interface RejectsQuery {
  offset?: number;
  limit?: number;
  /** Case-insensitive text the step, location, reason or record must contain. */
  search?: string;
}

export const MAX_PAGE = 200;

export async function readRejects(runDir: string, query: RejectsQuery = {}): Promise<RejectsPage> {
  const offset = Math.max(0, query.offset ?? 0);
  const limit = Math.min(MAX_PAGE, Math.max(1, query.limit ?? 50));
  const needle = query.search?.trim().toLowerCase();
  const items: Reject[] = [];
  let total = 0;
  let n = 0;
  try {
    const lines = createInterface({ input: createReadStream(join(runDir, 'rejects.jsonl')), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.trim()) continue;
      n++;
      if (needle && !line.toLowerCase().includes(needle)) continue;
      total++;
      if (total <= offset || items.length >= limit) continue;
      const entry = parseReject(line, n);
      if (entry) items.push(entry);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return { total, offset, items };
}

function parseReject(line: string, n: number): Reject | undefined {
  try {
    const { step, location, reason, record } = JSON.parse(line) as Partial<Reject>;
    return { n, step: step ?? '?', location, reason: reason ?? 'no reason given', record };
  } catch {
    return undefined; // The torn last line of a killed run.
  }
}

/** The last `maxLines` lines of the run's log, reading at most `maxBytes` from its end. */
export async function tailLog(runDir: string, maxLines = 200, maxBytes = 256 * 1024): Promise<string[]> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(join(runDir, 'run.log'), 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    if (length < size) lines.shift(); // cut mid-line
    return lines.filter((line) => line.length > 0).slice(-maxLines);
  } finally {
    await handle.close();
  }
}
