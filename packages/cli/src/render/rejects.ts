import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface RejectsSummary {
  total: number;
  byStep: Array<{ step: string; count: number; topReasons: Array<{ reason: string; count: number; example: string }> }>;
}

const TOP = 5;

/**
 * Counts a run's rejects file (`{step, location, reason, record}` per line) by step and reason, streaming it so a
 * run with millions of rejects is summarised in constant memory per distinct reason. A missing file means none.
 */
export async function summarizeRejects(file: string | undefined, top = TOP): Promise<RejectsSummary> {
  const steps = new Map<string, { count: number; reasons: Map<string, { count: number; example: string }> }>();
  let total = 0;
  if (file) {
    try {
      const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
      for await (const line of lines) {
        if (!line.trim()) continue;
        let entry: { step?: string; reason?: string; location?: string };
        try {
          entry = JSON.parse(line);
        } catch {
          continue; // A torn last line of a killed run.
        }
        total++;
        const step = entry.step ?? '?';
        let s = steps.get(step);
        if (!s) steps.set(step, (s = { count: 0, reasons: new Map() }));
        s.count++;
        // Reasons that differ only in the value are grouped: `year: 18x0 is not an integer` → `year: … is not an integer`.
        const reason = generalize(entry.reason ?? 'no reason given');
        const r = s.reasons.get(reason);
        if (r) r.count++;
        else s.reasons.set(reason, { count: 1, example: entry.location ?? '' });
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return {
    total,
    byStep: [...steps].map(([step, s]) => ({
      step,
      count: s.count,
      topReasons: [...s.reasons]
        .map(([reason, r]) => ({ reason, ...r }))
        .sort((a, b) => b.count - a.count)
        .slice(0, top),
    })),
  };
}

/** Replaces the quoted or bare value after `field: ` so reasons group by kind. */
function generalize(reason: string): string {
  return reason
    .split('; ')
    .map((part) => part.replace(/^([\w.$-]+): (?:"(?:[^"\\]|\\.)*"|\S+) (is|does) /, '$1: … $2 '))
    .join('; ');
}
