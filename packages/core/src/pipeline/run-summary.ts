/**
 * What a run ends with: the summary `runPipeline` resolves with and the run history keeps. Its own module, importing
 * only the plugin contract, so the history and state-store services can name it without an import cycle through the
 * runtime's types.
 */
import type { PluginKind, ReconcileReport } from '../plugins/types.js';

/** One step's record counts: what its summary line says, and what observers hear as the run goes. */
export interface StepTotals {
  step: string;
  kind: PluginKind;
  /** The plugin's `name` (the summary's plugin column), not the step's `use:`, which may be a path like `./plugins/x.mjs`. */
  plugin: string;
  read: number;
  written: number;
  rejected: number;
  unchanged: number;
  filtered: number;
}

export interface StepSummary extends StepTotals {
  durationMs: number;
  /** Plugin counters (`retries`, `requests`, `http429`, `created`, `updated`, …). */
  counters: Record<string, number>;
  /** Sinks that name their destination: where they wrote, and whether this pipeline had written there before. */
  destination?: { id: string; label: string; note?: string; known: boolean };
  /** `--reconcile`: what the sink's state claimed and the destination contradicted. */
  reconcile?: ReconcileReport;
}

export interface RunSummary {
  runId: string;
  pipeline: string;
  profile?: string;
  status: 'succeeded' | 'failed' | 'interrupted';
  /** True when this run continued from an earlier run's checkpoint. */
  resumed: boolean;
  /** The lineage the run belongs to (the id of the run that started it), and whether it was started with --fresh. */
  lineage?: string;
  fresh?: boolean;
  /** Why an interrupted run was not resumed: its input, pipeline, batch size or destinations changed since. */
  restarted?: string;
  dryRun: boolean;
  /**
   * True when the run ended at once because the source's input version and the pipeline's fingerprint equal those of
   * the last succeeded run (nothing was read or written; `--fresh` runs anyway).
   */
  upToDate?: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  steps: StepSummary[];
  /** The run's folder, its rejects file (JSON lines) and log file. */
  runDir: string;
  rejectsFile: string;
  logFile: string;
  error?: { code: string; message: string; exitCode: number; suggestions: string[] };
}
