/**
 * GET /persons/search: the subset of Pipedrive's item search a sink relies on. Fields `name`, `email`, `phone` and
 * `custom_fields` (text-like custom values) are searched; `notes` is accepted and matches nothing (the stand-in keeps no
 * notes). With `exact_match=true` a field must equal the term, ignoring case; otherwise it must contain it. The real
 * ranking is a relevance score; here whole-value matches score 1 and partial ones 0.5, ties in id order. Cursors carry an
 * offset into that order (search results are not promised to be stable while data changes).
 */
import type { FastifyInstance } from 'fastify';
import type { PipedriveContext } from './context.js';
import { decodeCursor, encodeCursor, readLimit } from './cursor.js';
import { validationError } from './errors.js';
import type { StoredPerson } from './store.js';

const SEARCH_FIELDS = ['custom_fields', 'email', 'notes', 'phone', 'name'] as const;
const TEXT_TYPES = new Set(['address', 'varchar', 'text', 'varchar_auto', 'double', 'monetary', 'phone']);

function readBool(value: string | undefined, key: string): boolean {
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw validationError(`Validation failed: ${key}: must be true or false`);
}

function values(ctx: PipedriveContext, p: StoredPerson, fields: readonly string[]): string[] {
  const out: string[] = [];
  if (fields.includes('name')) out.push(p.name);
  if (fields.includes('email')) out.push(...p.emails.map((e) => e.value));
  if (fields.includes('phone')) out.push(...p.phones.map((e) => e.value));
  if (fields.includes('custom_fields')) {
    for (const field of ctx.store.customFields()) {
      const v = p.custom_fields[field.field_code];
      if (v !== undefined && v !== null && TEXT_TYPES.has(field.field_type))
        out.push(typeof v === 'object' ? String((v as { value?: unknown }).value) : String(v));
    }
  }
  return out;
}

function item(p: StoredPerson, score: number): Record<string, unknown> {
  return {
    result_score: score,
    item: {
      id: p.id,
      type: 'person',
      name: p.name,
      phones: p.phones.map((x) => x.value),
      emails: p.emails.map((x) => x.value),
      visible_to: p.visible_to,
      owner: { id: p.owner_id },
      // null when the person has no organization, as Pipedrive sends it (the spec types it object).
      organization: null,
      custom_fields: [],
      notes: [],
    },
  };
}

export function searchRoutes(app: FastifyInstance, ctx: PipedriveContext): void {
  app.get('/api/v2/persons/search', async (request) => {
    const query = request.query as Record<string, string | undefined>;
    const exact = readBool(query.exact_match, 'exact_match');
    const term = (query.term ?? '').trim();
    if (term.length < (exact ? 1 : 2)) {
      throw validationError(
        `Validation failed: term: is required and must be at least ${exact ? 1 : 2} characters${exact ? '' : ' (1 with exact_match=true)'}`,
      );
    }
    const fields = query.fields ? query.fields.split(',').map((f) => f.trim()) : [...SEARCH_FIELDS];
    const unknown = fields.filter((f) => !(SEARCH_FIELDS as readonly string[]).includes(f));
    if (unknown.length > 0)
      throw validationError(
        `Validation failed: fields: "${unknown.join(',')}" is not one of ${SEARCH_FIELDS.join(', ')}`,
      );
    const limit = readLimit(query.limit);
    const offset = query.cursor
      ? decodeCursor<{ offset: number }>(query.cursor, (c) => Number.isInteger(c.offset) && (c.offset as number) >= 0)
          .offset
      : 0;
    const org = query.organization_id === undefined ? undefined : Number(query.organization_id);
    const needle = term.toLowerCase();

    // The sink's lookup, email only and exact, goes through the email index instead of a scan.
    const candidates =
      exact && fields.length === 1 && fields[0] === 'email' ? ctx.store.withEmail(term) : ctx.store.all();
    const hits: Array<{ p: StoredPerson; score: number }> = [];
    for (const p of candidates) {
      if (p.is_deleted || (org !== undefined && p.org_id !== org)) continue;
      const texts = values(ctx, p, fields).map((v) => v.toLowerCase());
      if (texts.some((t) => t === needle)) hits.push({ p, score: 1 });
      else if (!exact && texts.some((t) => t.includes(needle))) hits.push({ p, score: 0.5 });
    }
    hits.sort((a, b) => b.score - a.score || a.p.id - b.p.id);
    const page = hits.slice(offset, offset + limit);
    const next = offset + limit < hits.length ? encodeCursor({ offset: offset + limit }) : null;
    return {
      success: true,
      data: { items: page.map((h) => item(h.p, h.score)) },
      additional_data: { next_cursor: next },
    };
  });
}
