/**
 * The `hubspot` sink: one HubSpot contact per record, upserted by `idProperty`, only when it changed since the last
 * acknowledged send (the ledger), at the rate the account allows.
 */
import {
  checkBaseUrl,
  createLedger,
  defineSink,
  type Ledger,
  type ManagedRateLimiter,
  type RateLimiter,
  type Rejection,
  type SinkBatch,
  type SinkPlugin,
  type StepContext,
  type WriteResult,
} from '@etl/core';
import { HubspotClient } from './client.js';
import type { HubspotConfig } from './config.js';
import { hubspotMeta } from './meta.js';
import { identifyDestination, readPortal } from './destination.js';
import { createMapper, type Mapper } from './mapping.js';
import { ensureProperties } from './properties.js';
import { createHubspotLimiter, DailyBudget, rateFromConfig } from './rate.js';
import { reconcileLedger } from './reconcile.js';
import { existingIdentities, Upserter, type UpsertInput } from './upsert.js';

/** Everything one run of the step builds in `setup()`. */
interface Session {
  client: HubspotClient;
  upserter: Upserter;
  mapper: Mapper;
  ledger: Ledger;
  /** Identities whose ledger entry `reconcile()` dropped; each one acknowledged again counts as `resent`. */
  dropped: Set<string>;
  /** Records considered by the writes that succeeded so far in this run, for `limit`; a failed write counts none. */
  considered: number;
  /** Contacts HubSpot acknowledged during a write that then failed: when the runtime retries it they are written, not unchanged. */
  acked: Map<string, boolean>;
  limitLogged: boolean;
  sent: number;
}

/** A client and, when the step names no shared limiter, the limiter built for it (to stop when done). */
interface Connection {
  client: HubspotClient;
  ownLimiter?: ManagedRateLimiter;
}

/** Builds the client for `config`, using the step's shared limiter when there is one. */
export function createClient(ctx: StepContext, config: HubspotConfig): Connection {
  ctx.addSecret(config.accessToken);
  // Before any request carries the token: refused, or allowed with a warning in every run's log.
  const insecure = checkBaseUrl(config.baseUrl, config.allowInsecureHttp, 'hubspot');
  if (insecure) ctx.logger.warn(insecure);
  const spec = rateFromConfig(config);
  // Under the runtime the step always has one (its `limiter:`, else the `rateLimit` below); hooks called directly may not.
  const shared: RateLimiter | undefined = ctx.limiter();
  const ownLimiter = shared ? undefined : createHubspotLimiter(`${ctx.pipeline}.${ctx.step}`, spec);
  const client = new HubspotClient(ctx, {
    baseUrl: config.baseUrl,
    accessToken: config.accessToken,
    timeoutMs: config.timeoutMs,
    limiter: shared ?? ownLimiter!,
    // The limiter enforces the configured daily budget; the budget object follows what HubSpot says is left.
    budget: new DailyBudget(undefined),
    daily: spec.daily,
  });
  return { client, ownLimiter };
}

/** The `hubspot` sink plugin. Call once per step: the run's session lives in this closure. */
export function hubspotSink(): SinkPlugin<HubspotConfig> {
  let session: Session | undefined;
  /** Built by `destination()` or `setup()`, whichever runs first, and shared; its limiter is stopped in `close()`. */
  let connection: Connection | undefined;
  const connect = (ctx: StepContext, config: HubspotConfig): Connection => (connection ??= createClient(ctx, config));

  const open = (): Session => {
    if (!session) throw new Error('hubspot sink: write() before setup()');
    return session;
  };

  return defineSink<HubspotConfig>({
    ...hubspotMeta,

    async check(ctx, config) {
      const { client, ownLimiter } = createClient(ctx, config);
      try {
        await client.request('GET', `/crm/v3/objects/${config.object}?limit=1&archived=false`);
        const rate = client.lastRateLimit;
        const portal = await readPortal(client);
        const parts = [
          rate.max !== undefined
            ? `${rate.remaining ?? '?'} of ${rate.max} requests left per ${(rate.intervalMs ?? 10_000) / 1000} s`
            : 'no rate-limit headers',
          rate.daily !== undefined ? `${rate.dailyRemaining ?? '?'} of ${rate.daily} left today` : undefined,
        ].filter(Boolean);
        const where = 'portalId' in portal ? `portal ${portal.portalId}` : `portal id unknown (${portal.reason})`;
        return {
          ok: true,
          message: `HubSpot reached at ${config.baseUrl}; token accepted; ${where}; ${parts.join(', ')}.`,
          details: { rateLimit: { ...rate }, ...('portalId' in portal ? { portalId: portal.portalId } : {}) },
        };
      } finally {
        await ownLimiter?.stop();
      }
    },

    /** One GET of account-info: `hubspot:portal:<id>`, or base URL + salted token hash when the token may not read it. */
    async destination(ctx, config) {
      return identifyDestination(ctx, config, connect(ctx, config).client);
    },

    async setup(ctx, config) {
      const { client } = connect(ctx, config);
      const properties = await ensureProperties(client, config, ctx.dryRun);
      if (properties.created.length > 0) {
        ctx.logger.info(
          `${ctx.dryRun ? 'Would create' : 'Created'} HubSpot properties: ${properties.created.join(', ')}`,
          { properties: properties.created },
        );
        if (!ctx.dryRun) ctx.count('propertiesCreated', properties.created.length);
      }
      session = {
        client,
        upserter: new Upserter(client, config.object, config.idProperty, () => ctx.count('splitRequests')),
        mapper: createMapper(config, properties.enumValues),
        ledger: createLedger(ctx.state),
        dropped: new Set(),
        considered: 0,
        acked: new Map(),
        limitLogged: false,
        sent: 0,
      };
    },

    /** `--reconcile`: read the ledger's contacts back, 100 a request, and forget what HubSpot contradicts. */
    async reconcile(ctx, config) {
      const s = open();
      return reconcileLedger(ctx, config, { client: s.client, ledger: s.ledger, dropped: s.dropped });
    },

    async write(ctx, config, batch) {
      const s = open();
      await s.ledger.load(identitiesOf(s, batch));
      const { inputs, rejects, unchanged, skipped, considered, retried } = classify(ctx, config, s, batch);
      if (ctx.dryRun) {
        const result = await dryRun(s, config, inputs, rejects, unchanged, skipped);
        s.considered = considered;
        return result;
      }

      const chunks: UpsertInput[][] = [];
      for (let i = 0; i < inputs.length; i += config.inputsPerRequest)
        chunks.push(inputs.slice(i, i + config.inputsPerRequest));
      // Acknowledged by an earlier, failed attempt of this write: the ledger has them, but this write wrote them.
      let created = retried.filter((isNew) => isNew).length;
      let updated = retried.length - created;
      // All chunks go to the limiter at once; it paces them. On abort the client sends nothing new, requests in
      // flight finish, and the write fails: the checkpoint stays before this batch, and what HubSpot acknowledged is
      // in the ledger, so a resumed run does not send it again. Settle every chunk before failing, so nothing is
      // still in flight (or still staging ledger entries) once write() has returned.
      const settled = await Promise.allSettled(
        chunks.map(async (chunk) => {
          const outcome = await s.upserter.upsert(chunk);
          for (const { input, id, isNew } of outcome.acknowledged) {
            s.ledger.record(input.identity, input.hash, id);
            s.acked.set(input.identity, isNew);
            if (s.dropped.delete(input.identity)) ctx.count('resent');
            if (isNew) created++;
            else updated++;
          }
          for (const { input, reason } of outcome.rejected)
            rejects.push({ location: input.location, reason, record: input.record });
          s.sent += outcome.acknowledged.length;
          ctx.progress({ phase: 'upserting contacts', done: s.sent, unit: 'records' });
        }),
      );
      const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed) throw failed.reason;
      s.considered = considered;
      s.acked.clear();
      return {
        written: created + updated,
        unchanged,
        skipped,
        rejects,
        details: { created, updated, unchanged, ...(skipped ? { skippedByLimit: skipped } : {}) },
      };
    },

    // Also after destination() alone (setup never ran): the limiter built there must not keep the process alive.
    async close() {
      const own = connection?.ownLimiter;
      connection = undefined;
      session = undefined;
      await own?.stop();
    },
  });
}

/** The ledger identities a batch's write reads (a shared state store loads them before `classify`). */
function* identitiesOf(s: Session, batch: SinkBatch): Iterable<string> {
  for (const record of batch.records) {
    const prepared = s.mapper(record);
    if (prepared.ok) yield prepared.identity;
  }
}

/** Splits a batch into contacts to send, rejects, unchanged (ledger) and skipped (over `limit`). */
function classify(ctx: StepContext, config: HubspotConfig, s: Session, batch: SinkBatch) {
  // Not `ctx.fresh`: the runtime empties the ledger when a fresh lineage starts, and what a resumed fresh lineage finds
  // there is its own work, which must not be sent twice.
  const ignoreLedger = config.fullRefresh;
  const rejects: Rejection[] = [];
  const byIdentity = new Map<string, UpsertInput>();
  const retried: boolean[] = [];
  let unchanged = 0;
  let skipped = 0;
  // Counted from what earlier successful writes considered: a retried write considers the same records again.
  let considered = s.considered;
  batch.records.forEach((record, index) => {
    if (config.limit !== null && config.limit !== undefined && considered >= config.limit) {
      skipped++;
      return;
    }
    considered++;
    const location = batch.locate(index);
    const prepared = s.mapper(record);
    if (!prepared.ok) {
      rejects.push({ location, reason: prepared.reason, record });
      return;
    }
    const acked = s.acked.get(prepared.identity);
    if (acked !== undefined && s.ledger.isUnchanged(prepared.identity, prepared.hash)) {
      retried.push(acked);
      return;
    }
    if (!ignoreLedger && s.ledger.isUnchanged(prepared.identity, prepared.hash)) {
      unchanged++;
      return;
    }
    const earlier = byIdentity.get(prepared.identity);
    if (earlier) {
      // Two inputs with one identity in a request make HubSpot fail it; the later record is the newer truth.
      rejects.push({
        location: earlier.location,
        reason: `Superseded by the record at ${location} with the same ${config.idProperty} (${prepared.identity}); only that one is sent.`,
        record: earlier.record,
      });
      byIdentity.delete(prepared.identity);
    }
    const ref = batch.refs[index];
    byIdentity.set(prepared.identity, {
      identity: prepared.identity,
      properties: prepared.properties,
      hash: prepared.hash,
      traceId: ref ? `${ref.seq}-${ref.index}` : `${index}`,
      location,
      record,
    });
  });
  if (skipped > 0 && !s.limitLogged) {
    s.limitLogged = true;
    ctx.logger.info(`limit of ${config.limit} contacts reached: later records are skipped in this run`, {
      limit: config.limit,
    });
  }
  return { inputs: [...byIdentity.values()], rejects, unchanged, skipped, considered, retried };
}

/** A dry run: classify without writing. Existence is looked up in the ledger, then by `batch/read` (cheap: 100 a request). */
async function dryRun(
  s: Session,
  config: HubspotConfig,
  inputs: UpsertInput[],
  rejects: Rejection[],
  unchanged: number,
  skipped: number,
): Promise<WriteResult> {
  const unknown = inputs.filter((input) => !s.ledger.get(input.identity)).map((input) => input.identity);
  const existing =
    unknown.length > 0
      ? await existingIdentities(s.client, config.object, config.idProperty, unknown)
      : new Set<string>();
  let wouldCreate = 0;
  let wouldUpdate = 0;
  for (const input of inputs) {
    if (s.ledger.get(input.identity) || existing.has(input.identity)) wouldUpdate++;
    else wouldCreate++;
  }
  return {
    // In a dry run `written` counts what would be written, so every record stays accounted for.
    written: wouldCreate + wouldUpdate,
    unchanged,
    skipped,
    rejects,
    details: { wouldCreate, wouldUpdate, unchanged, ...(skipped ? { skippedByLimit: skipped } : {}) },
  };
}
