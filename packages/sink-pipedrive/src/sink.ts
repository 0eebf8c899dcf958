/**
 * The `pipedrive` sink: one Pipedrive person per record, upserted by email, sent only when it changed since the last
 * acknowledged send (the ledger, bound to the company), within the burst limit and the daily token budget.
 */
import {
  checkBaseUrl,
  createLedger,
  defineSink,
  RetriesExhaustedError,
  type DataRecord,
  type Destination,
  type Ledger,
  type SinkPlugin,
  type StepContext,
  type WriteResult,
} from '@etl/core';
import { createPipedriveClient, type PipedriveClient } from './client.js';
import type { PipedriveConfig } from './config.js';
import { prepareFields, type FieldMap } from './fields.js';
import { pipedriveMeta } from './meta.js';
import { createMapper, personBody, type Mapped } from './mapping.js';
import { listPersons, sendPerson, type Held } from './persons.js';
import { planBatch, PlanTotals, type BatchPlan, type Item } from './plan.js';
import { reconcileLedger } from './reconcile.js';
import { readCompany } from './company.js';
import { COST, rateLimitOf } from './limits.js';

/** What one run of the step keeps between hooks. */
interface Session {
  ledger: Ledger;
  fields: FieldMap;
  map: (record: DataRecord) => Mapped;
  /** The account's persons by email, listed once per run, the first time a record is unknown to the ledger. */
  index?: Map<string, Held>;
  acked: Map<string, boolean>;
  dropped: Set<string>;
  considered: number;
  sent: number;
  totals: PlanTotals;
}

export function pipedriveSink(): SinkPlugin<PipedriveConfig> {
  let client: PipedriveClient | undefined;
  let session: Session | undefined;
  const connect = (ctx: StepContext, config: PipedriveConfig): PipedriveClient =>
    (client ??= checkedClient(ctx, config));
  const open = (): Session => {
    if (!session) throw new Error('pipedrive sink: write() before setup()');
    return session;
  };

  return defineSink<PipedriveConfig>({
    ...pipedriveMeta,

    /** users/me (the token, its company) and one person (the contacts scope): 12 tokens. */
    async check(ctx, config) {
      const c = checkedClient(ctx, config);
      const company = await readCompany(ctx, c, config);
      await c.request({
        method: 'GET',
        url: '/api/v2/persons',
        params: { limit: 1 },
        cost: COST.listPersons,
        retries: 'client',
      });
      const left = c.budget.remaining;
      return {
        ok: true,
        message: `Pipedrive reached at ${company.baseUrl}; ${config.apiToken ? 'API token' : 'OAuth token'} accepted; ${company.label}; persons readable; ${left === undefined ? 'daily tokens left unknown (OAuth answers do not say)' : `${left} tokens left today`}.`,
        details: { companyId: company.companyId, tokensLeft: left ?? null },
      };
    },

    async destination(ctx, config): Promise<Destination> {
      const company = await readCompany(ctx, connect(ctx, config), config);
      return { id: company.id, label: company.label, ...(company.note ? { note: company.note } : {}) };
    },

    async setup(ctx, config) {
      const c = connect(ctx, config);
      // A dry run spends nothing on fields: the plan is made from the ledger alone.
      const prepared = ctx.dryRun ? { fields: new Map(), changes: [] } : await prepareFields(c, config);
      if (prepared.changes.length > 0) {
        ctx.logger.info(`Pipedrive person fields: ${prepared.changes.join('; ')}`);
        ctx.count('fieldChanges', prepared.changes.length);
      }
      await ctx.state.prefetch([CONSIDERED]);
      session = {
        ledger: createLedger(ctx.state),
        fields: prepared.fields,
        map: createMapper(config),
        acked: new Map(),
        dropped: new Set(),
        considered: consideredBefore(ctx),
        sent: 0,
        totals: new PlanTotals(),
      };
    },

    /** `--reconcile`: read the ledger's persons back by id (100 a request) and forget what Pipedrive contradicts. */
    async reconcile(ctx, config) {
      const s = open();
      return reconcileLedger(ctx, connect(ctx, config), s.ledger, s.fields, s.dropped);
    },

    async write(ctx, config, batch) {
      const s = open();
      await s.ledger.load(identitiesOf(s.map, batch.records));
      const plan = planBatch({
        batch,
        map: s.map,
        ledger: s.ledger,
        acked: s.acked,
        ignoreLedger: config.fullRefresh,
        limit: config.limit,
        considered: s.considered,
      });
      if (ctx.dryRun) {
        const before = s.totals.tokens();
        s.totals.add(plan);
        s.considered = plan.considered;
        const known = plan.items.filter((i) => i.id !== undefined).length;
        return {
          written: plan.items.length,
          unchanged: plan.unchanged,
          skipped: plan.skipped,
          rejects: plan.rejects,
          details: {
            wouldPatch: known,
            wouldCreateOrPatch: plan.items.length - known,
            plannedTokens: s.totals.tokens() - before,
          },
        };
      }
      const result = await send(ctx, connect(ctx, config), s, plan, config);
      s.considered = plan.considered;
      ctx.state.set(CONSIDERED, { lineage: ctx.lineage, n: s.considered });
      s.acked.clear();
      return result;
    },

    async close(ctx, config) {
      const s = session;
      if (s && ctx.dryRun) ctx.logger.info(s.totals.describe(client?.budget.remaining, rateLimitOf(config).max));
      if (s && s.considered > 0 && config.limit !== null && s.considered >= config.limit)
        ctx.logger.info(`limit of ${config.limit} persons reached: later records were skipped in this run`);
      session = undefined;
      client = undefined;
    },
  });
}

/** A client, once the base URL is known not to send the token in clear (refused, or allowed with a warning). */
function checkedClient(ctx: StepContext, config: PipedriveConfig): PipedriveClient {
  const insecure = checkBaseUrl(config.baseUrl, config.allowInsecureHttp, 'pipedrive');
  if (insecure) ctx.logger.warn(insecure);
  return createPipedriveClient(ctx, config);
}

/** The ledger identities a batch's plan reads (a shared state store loads them first). */
function* identitiesOf(map: Session['map'], records: readonly DataRecord[]): Iterable<string> {
  for (const record of records) {
    const mapped = map(record);
    if (mapped.ok) yield mapped.identity;
  }
}

/** Records the lineage's earlier runs considered, committed with their checkpoints: `limit` counts from the lineage's start. */
const CONSIDERED = 'limit:considered';

function consideredBefore(ctx: StepContext): number {
  const saved = ctx.state.get<{ lineage: string; n: number }>(CONSIDERED);
  return saved?.lineage === ctx.lineage ? saved.n : 0;
}

/** Looks the unknown records up in the account's listing, then sends what differs, paced by the limiter. */
async function send(
  ctx: StepContext,
  client: PipedriveClient,
  s: Session,
  plan: BatchPlan,
  config: PipedriveConfig,
): Promise<WriteResult> {
  let unchanged = plan.unchanged;
  let created = plan.retried.filter(Boolean).length;
  let updated = plan.retried.length - created;
  if (!s.index && plan.items.some((i) => i.id === undefined)) {
    s.index = await listPersons(client, s.fields, (listed) =>
      ctx.progress({ phase: 'listing Pipedrive persons', done: listed, unit: 'records' }),
    );
    ctx.count('personsListed', s.index.size);
  }
  const todo: Item[] = [];
  for (const item of plan.items) {
    const held = item.id === undefined ? s.index?.get(item.identity) : undefined;
    if (held?.hash === item.hash) {
      // Already there as the record says (sent by a run whose ledger is gone, or by hand): remember it, send nothing.
      s.ledger.record(item.identity, item.hash, held.id);
      unchanged++;
      continue;
    }
    todo.push(held ? { ...item, id: held.id } : item);
  }
  const rejects = [...plan.rejects];
  const settled = await Promise.allSettled(
    todo.map(async (item) => {
      const built = personBody(item.person, s.fields);
      const outcome = 'reason' in built ? built : await sendPerson(client, built.body, item.id);
      if ('reason' in outcome) {
        rejects.push({ location: item.location, reason: outcome.reason, record: item.record });
        return;
      }
      s.ledger.record(item.identity, item.hash, outcome.id);
      s.acked.set(item.identity, outcome.created);
      s.index?.set(item.identity, { id: outcome.id, hash: item.hash });
      if (s.dropped.delete(item.identity)) ctx.count('resent');
      if (outcome.created) created++;
      else updated++;
      ctx.progress({ phase: 'sending persons', done: ++s.sent, unit: 'records' });
    }),
  );
  const failures = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
  if (failures.length > 0) throw stopError(failures, client, failures.length, config, plan.considered);
  return {
    written: created + updated,
    unchanged,
    skipped: plan.skipped,
    rejects,
    details: { created, updated, ...(plan.skipped ? { skippedByLimit: plan.skipped } : {}) },
  };
}

/** The daily budget's stop says how much of the batch is left (and of `limit`); any other failure is rethrown. */
function stopError(
  failures: unknown[],
  client: PipedriveClient,
  unsent: number,
  config: PipedriveConfig,
  considered: number,
) {
  const spent = client.budget.spent;
  if (!spent || !failures.includes(spent)) return failures[0];
  const more =
    config.limit === null
      ? 'and every record after this batch'
      : `and at most ${Math.max(0, config.limit - considered)} more up to the limit of ${config.limit}`;
  return new RetriesExhaustedError(
    `${spent.message} Left to send: ${unsent} persons of this batch (about ${unsent * COST.createPerson} tokens), ${more}. Progress up to the last acknowledged person is checkpointed.`,
    { code: spent.code, context: spent.context, suggestions: spent.suggestions },
  );
}
