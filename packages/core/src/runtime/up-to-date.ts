/**
 * Up-to-date runs: what the last succeeded run of a pipeline read (the source's `inputVersion`) and how the pipeline
 * was configured (a fingerprint), kept in `<pipeline state>/up-to-date.json` so an unchanged run can end at once.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResolvedPipeline } from '../pipeline/types.js';

/** What a succeeded run leaves behind for the next run to compare with. */
export interface UpToDateRecord {
  /** The run that succeeded with this pipeline and input. */
  runId: string;
  /** `pipelineFingerprint()` of its pipeline. */
  fingerprint: string;
  /** What the source's `inputVersion()` returned then. */
  inputVersion: string;
  /** Sink step → destination id it wrote to (absent in records of older runs: those never count as up to date). */
  destinations?: Record<string, string>;
  finishedAt: string;
}

const FILE = 'up-to-date.json';

/** The line an up-to-date run logs and the CLI prints instead of the summary table. */
export const upToDateMessage = (record: Pick<UpToDateRecord, 'runId' | 'inputVersion'>): string =>
  `nothing to do: the input (${record.inputVersion}) and the pipeline are unchanged since run ${record.runId}; use --fresh to run anyway`;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** JSON with object keys sorted at every level, so equal configs give equal text whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** How a secret is put in a fingerprint: a salted hash (`ctx.hashSecret`), so a weak one cannot be guessed offline. */
export type SecretHasher = (secret: string) => string;

/** Replaces every string that holds a secret by its salted hash: a changed token still changes the fingerprint. */
function hideSecrets(value: unknown, secrets: string[], hash: SecretHasher): unknown {
  if (typeof value === 'string') return secrets.some((s) => value.includes(s)) ? `secret:${hash(value)}` : value;
  if (Array.isArray(value)) return value.map((v) => hideSecrets(v, secrets, hash));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, hideSecrets(v, secrets, hash)]),
    );
  }
  return value;
}

/** Each step's part of the fingerprint: name, plugin, inputs, config (secrets hashed), limiter and batch size. */
function stepParts(pipeline: ResolvedPipeline, hash: SecretHasher) {
  const secrets = pipeline.secrets.filter((s) => typeof s === 'string' && s.length > 0);
  return pipeline.steps.map((step) => ({
    name: step.name,
    use: step.use,
    inputs: step.inputs,
    config: hideSecrets(step.config, secrets, hash),
    limiter: step.limiter,
    batchSize: step.batchSize,
  }));
}

/**
 * sha256 (hex) of what decides a run's result: each step's name, plugin, inputs, config (defaults applied, secrets
 * salted and hashed), limiter and batch size, and the pipeline's batch size. Limiter rates and retry policies only
 * change how fast a run goes, so they are left out.
 */
export function pipelineFingerprint(pipeline: ResolvedPipeline, hash: SecretHasher): string {
  return sha256(canonical({ batchSize: pipeline.batchSize, steps: stepParts(pipeline, hash) }));
}

/** Per step, sha256 of its part of the fingerprint, so a refused resume can name the steps that changed. */
export function stepFingerprints(pipeline: ResolvedPipeline, hash: SecretHasher): Record<string, string> {
  return Object.fromEntries(stepParts(pipeline, hash).map((part) => [part.name, sha256(canonical(part)).slice(0, 16)]));
}

/** True when `record` vouches for this pipeline, input and set of destinations. */
export function isUpToDate(
  record: UpToDateRecord | undefined,
  mark: Omit<UpToDateRecord, 'runId' | 'finishedAt'>,
): boolean {
  return (
    record !== undefined &&
    record.fingerprint === mark.fingerprint &&
    record.inputVersion === mark.inputVersion &&
    record.destinations !== undefined &&
    canonical(record.destinations) === canonical(mark.destinations ?? {})
  );
}

/** The last succeeded run's record, or undefined (none yet, cleared, or unreadable: the run then simply runs). */
export async function readUpToDate(pipelineStateDir: string): Promise<UpToDateRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(join(pipelineStateDir, FILE), 'utf8')) as Partial<UpToDateRecord>;
    if (
      typeof record.fingerprint !== 'string' ||
      typeof record.inputVersion !== 'string' ||
      typeof record.runId !== 'string'
    )
      return undefined;
    return record as UpToDateRecord;
  } catch {
    return undefined;
  }
}

/** Records a succeeded run (temp file + rename, so a crash never leaves half a record). */
export async function writeUpToDate(pipelineStateDir: string, record: UpToDateRecord): Promise<void> {
  const temp = join(pipelineStateDir, `${FILE}.tmp`);
  await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`);
  await rename(temp, join(pipelineStateDir, FILE));
}

/** Forgets the last record: a run that starts work and does not succeed leaves the destinations in an unknown state. */
export async function clearUpToDate(pipelineStateDir: string): Promise<void> {
  await rm(join(pipelineStateDir, FILE), { force: true });
}
