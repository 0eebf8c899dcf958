/**
 * `batch/upsert` of up to 100 contacts a request, by `idProperty`, with an `objectWriteTraceId` on every input.
 *
 * HubSpot may answer a batch with 207 (some inputs failed) or fail the whole request with a 4xx because of one bad
 * input. Either way the bad inputs are isolated (named by HubSpot, or found by splitting the batch in halves) so the
 * good ones land, and each bad one is rejected with HubSpot's own message.
 */
import type { DataRecord } from '@etl/core';
import { HubspotRequestError, type HubspotClient, type HubspotErrorBody } from './client.js';
import { isMissingPropertyError, missingPropertyFatal } from './properties.js';

/** One contact ready to send. */
export interface UpsertInput {
  /** The idProperty value (lowercased for email): the contact's identity across runs. */
  identity: string;
  properties: Record<string, string>;
  hash: string;
  /** Unique within a request, so HubSpot's per-input errors can be mapped back. */
  traceId: string;
  /** Where the record came from, for rejects. */
  location: string;
  record: DataRecord;
}

export interface Acknowledged {
  input: UpsertInput;
  id: string;
  isNew: boolean;
}

export interface UpsertOutcome {
  acknowledged: Acknowledged[];
  rejected: Array<{ input: UpsertInput; reason: string }>;
}

interface UpsertResult {
  id: string;
  new?: boolean;
  properties?: Record<string, string | null>;
  objectWriteTraceId?: string;
}

interface UpsertResponse {
  status?: string;
  results?: UpsertResult[];
  numErrors?: number;
  errors?: HubspotErrorBody[];
}

/** The request body for one batch; exported so tests can check it against the official schema. */
export function upsertBody(inputs: UpsertInput[], idProperty: string): { inputs: Array<Record<string, unknown>> } {
  return {
    inputs: inputs.map((input) => ({
      id: input.identity,
      idProperty,
      objectWriteTraceId: input.traceId,
      properties: input.properties,
    })),
  };
}

/** HubSpot's validation messages embed a JSON array of per-property problems; keep the human part of each. */
export function readableMessage(body: HubspotErrorBody): string {
  const message = body.message ?? 'HubSpot gave no reason';
  const embedded = /^Property values were not valid: (\[.*\])$/s.exec(message);
  if (embedded) {
    try {
      const items = JSON.parse(embedded[1]) as Array<{ message?: string; error?: string; name?: string }>;
      const parts = items.map(
        (item) =>
          `${item.message ?? 'invalid value'}${item.error ? ` (${item.error}${item.name ? ` on ${item.name}` : ''})` : ''}`,
      );
      if (parts.length > 0) return `Property values were not valid: ${parts.join('; ')}`;
    } catch {
      // Not the documented shape: the raw message is still the best reason.
    }
  }
  const inner = body.errors?.map((error) => error.message).filter(Boolean) ?? [];
  return inner.length > 0 && !message.includes(inner[0]!) ? `${message}: ${inner.join('; ')}` : message;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [];

export class Upserter {
  constructor(
    private readonly client: HubspotClient,
    private readonly object: string,
    private readonly idProperty: string,
    /** Called for each request that splits a failing batch, for the summary's counters. */
    private readonly onSplit: () => void = () => undefined,
  ) {}

  /** Sends one batch (≤ 100 inputs) and, when HubSpot refuses part of it, the parts again until each input is settled. */
  async upsert(inputs: UpsertInput[]): Promise<UpsertOutcome> {
    const outcome: UpsertOutcome = { acknowledged: [], rejected: [] };
    await this.send(inputs, outcome);
    return outcome;
  }

  private async send(inputs: UpsertInput[], outcome: UpsertOutcome): Promise<void> {
    if (inputs.length === 0) return;
    let response: UpsertResponse;
    try {
      // The runtime retries the write; acknowledged chunks are in the ledger by then and are not sent again.
      const answer = await this.client.request<UpsertResponse>(
        'POST',
        `/crm/v3/objects/${this.object}/batch/upsert`,
        upsertBody(inputs, this.idProperty),
        'runtime',
      );
      response = answer.data ?? {};
    } catch (error) {
      if (!(error instanceof HubspotRequestError)) throw error;
      if (isMissingPropertyError(error)) throw missingPropertyFatal(error);
      await this.isolate(inputs, error.body, outcome);
      return;
    }
    const pending = new Map(inputs.map((input) => [input.traceId, input]));
    const byIdentity = new Map(inputs.map((input) => [input.identity, input]));
    const results = response.results ?? [];
    results.forEach((result, index) => {
      const match = this.matchResult(
        result,
        pending,
        byIdentity,
        results.length === inputs.length && !response.errors?.length ? inputs[index] : undefined,
      );
      if (!match) return;
      pending.delete(match.traceId);
      byIdentity.delete(match.identity);
      outcome.acknowledged.push({ input: match, id: String(result.id), isNew: result.new === true });
    });
    if (pending.size === 0) return;

    // 207: attribute each error to the inputs it names (by trace id, else by id value).
    const unexplained: string[] = [];
    for (const error of response.errors ?? []) {
      const named = [
        ...strings(error.context?.objectWriteTraceId).map((id) => pending.get(id)),
        ...strings(error.context?.ids).map((id) => byIdentity.get(id.toLowerCase()) ?? byIdentity.get(id)),
      ];
      const found = named.filter((input): input is UpsertInput => input !== undefined && pending.has(input.traceId));
      if (found.length === 0) unexplained.push(readableMessage(error));
      for (const input of found) {
        pending.delete(input.traceId);
        byIdentity.delete(input.identity);
        outcome.rejected.push({ input, reason: `HubSpot rejected the contact: ${readableMessage(error)}` });
      }
    }
    const rest = [...pending.values()];
    if (rest.length === 0) return;
    if (rest.length === 1 && inputs.length === 1) {
      outcome.rejected.push({
        input: rest[0],
        reason: `HubSpot did not write the contact: ${unexplained.join('; ') || 'no result and no error for it'}`,
      });
      return;
    }
    // Some inputs got neither a result nor an error naming them: send them again, split if nothing was learnt.
    this.onSplit();
    if (rest.length < inputs.length) await this.send(rest, outcome);
    else await this.bisect(rest, outcome);
  }

  /** A whole-batch 4xx: reject the input the message names, or split the batch to find the bad one(s). */
  private async isolate(inputs: UpsertInput[], body: HubspotErrorBody, outcome: UpsertOutcome): Promise<void> {
    const reason = `HubSpot rejected the contact: ${readableMessage(body)}`;
    if (inputs.length === 1) {
      outcome.rejected.push({ input: inputs[0], reason });
      return;
    }
    this.onSplit();
    const message = body.message ?? '';
    const named = inputs.filter((input) => input.identity.length > 2 && message.includes(input.identity));
    if (named.length === 1) {
      outcome.rejected.push({ input: named[0], reason });
      await this.send(
        inputs.filter((input) => input !== named[0]),
        outcome,
      );
      return;
    }
    await this.bisect(inputs, outcome);
  }

  private async bisect(inputs: UpsertInput[], outcome: UpsertOutcome): Promise<void> {
    const middle = Math.ceil(inputs.length / 2);
    await Promise.all([this.send(inputs.slice(0, middle), outcome), this.send(inputs.slice(middle), outcome)]);
  }

  private matchResult(
    result: UpsertResult,
    pending: Map<string, UpsertInput>,
    byIdentity: Map<string, UpsertInput>,
    sameIndex: UpsertInput | undefined,
  ): UpsertInput | undefined {
    if (result.objectWriteTraceId && pending.has(result.objectWriteTraceId))
      return pending.get(result.objectWriteTraceId);
    const value = result.properties?.[this.idProperty];
    if (typeof value === 'string') {
      const input = byIdentity.get(value) ?? byIdentity.get(value.toLowerCase());
      if (input) return input;
    }
    return sameIndex && pending.has(sameIndex.traceId) ? sameIndex : undefined;
  }
}

/** A contact as `batch/read` returned it: its record id and the properties asked for (null when empty). */
export interface HeldContact {
  id: string;
  properties: Record<string, string | null>;
}

/** Reads back one request's worth of contacts; at most this many identities per `readHeld` call. */
export const READ_BATCH = 100;

/**
 * One `batch/read` by idProperty (≤ 100 identities): the contacts HubSpot holds, by identity (lowercased for email,
 * as the mapper writes it). Missing ones are simply absent: HubSpot names them in a 207's errors, or answers 404 when
 * none is there.
 */
export async function readHeld(
  client: HubspotClient,
  object: string,
  idProperty: string,
  identities: string[],
  properties: string[],
): Promise<Map<string, HeldContact>> {
  const held = new Map<string, HeldContact>();
  if (identities.length === 0) return held;
  if (identities.length > READ_BATCH)
    throw new Error(`readHeld: at most ${READ_BATCH} identities per request, got ${identities.length}`);
  try {
    const response = await client.request<UpsertResponse>('POST', `/crm/v3/objects/${object}/batch/read`, {
      idProperty,
      properties: properties.includes(idProperty) ? properties : [idProperty, ...properties],
      propertiesWithHistory: [],
      inputs: identities.map((id) => ({ id })),
    });
    for (const result of response.data?.results ?? []) {
      const value = result.properties?.[idProperty];
      if (typeof value !== 'string') continue;
      held.set(idProperty === 'email' ? value.toLowerCase() : value, {
        id: String(result.id),
        properties: result.properties ?? {},
      });
    }
  } catch (error) {
    if (!(error instanceof HubspotRequestError && error.status === 404)) throw error;
  }
  return held;
}

/** `batch/read` by idProperty: which identities HubSpot already holds (for dry runs). */
export async function existingIdentities(
  client: HubspotClient,
  object: string,
  idProperty: string,
  identities: string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  for (let start = 0; start < identities.length; start += READ_BATCH) {
    const held = await readHeld(client, object, idProperty, identities.slice(start, start + READ_BATCH), [idProperty]);
    for (const identity of held.keys()) found.add(identity);
  }
  return found;
}
