/**
 * Lineages: a run either continues an interrupted lineage (resuming by position) or starts a new one. Positions only
 * mean something for the input, pipeline, batch size and destinations they were counted against, so every checkpoint
 * carries what its lineage started with, and a resume is allowed only when all of it is still the same.
 */
/** What a lineage's positions depend on, recorded when it starts and compared before any resume. */
export interface LineageIdentity {
  /** `pipelineFingerprint()` of the whole pipeline. */
  fingerprint: string;
  /** Per step, a fingerprint of its own part (to say which step changed). */
  steps: Record<string, string>;
  /** The source's `inputVersion()` (redacted), when the source can name its input. */
  inputVersion?: string;
  /** Records per source batch: batch numbers and positions are counted in it. */
  batchSize: number;
  /** Sink step → the destination id its `destination()` named (sinks without one are absent). */
  destinations: Record<string, string>;
}

/** The lineage part of the runtime's checkpoint. */
export interface LineageRecord {
  lineage: string;
  /** The lineage was started with `--fresh`: its resumes are fresh too. */
  fresh?: boolean;
  identity?: LineageIdentity;
}

/**
 * Why the interrupted lineage `previous` cannot be resumed by position under `current`: one sentence per difference
 * (an empty list means it can). A lineage recorded without an identity (by an older etl) is never resumed blind.
 */
export function resumeObstacles(
  previous: LineageRecord,
  current: LineageIdentity,
  labels: Record<string, string> = {},
): string[] {
  const before = previous.identity;
  if (!before)
    return [
      'it was started by an older etl that did not record its input and pipeline, so its positions cannot be verified',
    ];
  const reasons: string[] = [];
  if (before.inputVersion !== current.inputVersion) {
    reasons.push(
      `the input changed (it was ${before.inputVersion ?? 'unnamed'}; it is now ${current.inputVersion ?? 'unnamed'})`,
    );
  }
  if (before.batchSize !== current.batchSize) {
    reasons.push(
      `settings.batchSize changed from ${before.batchSize} to ${current.batchSize} (batch positions are counted in it)`,
    );
  }
  const changed = Object.keys({ ...before.steps, ...current.steps }).filter(
    (step) => before.steps[step] !== current.steps[step],
  );
  if (changed.length > 0) reasons.push(`the configuration of ${changed.map((s) => `"${s}"`).join(', ')} changed`);
  else if (before.fingerprint !== current.fingerprint && before.batchSize === current.batchSize)
    reasons.push('the pipeline changed');
  for (const step of Object.keys({ ...before.destinations, ...current.destinations })) {
    const was = before.destinations[step];
    const now = current.destinations[step];
    if (was !== now)
      reasons.push(
        `step "${step}" now writes to ${labels[step] ?? now ?? 'an unnamed destination'}, the interrupted run wrote to ${was ?? 'an unnamed destination'}`,
      );
  }
  return reasons;
}

/** The sentence a run logs (and the summary keeps) when it starts a new lineage instead of resuming. */
export function restartMessage(previousRunId: string, reasons: string[]): string {
  return (
    `not resuming run ${previousRunId}: ${reasons.join('; ')}. Its positions would skip or repeat records, so this run ` +
    'starts over from the beginning as a new lineage (what the sinks already hold comes back unchanged where they can tell)'
  );
}
