/**
 * How a failed HTTP request becomes an error of the tree, by default (plugins refine it with `classify`): 429, 408,
 * 425 and 5xx retriable (with the remote's Retry-After), network failures retriable except certificate and DNS
 * problems, 401/403 fatal, any other 4xx an `HttpRequestError` the plugin may turn into per-record rejects.
 * Nothing of axios is kept: its errors carry the request's headers, and so the token.
 */
import { FatalError, RetriableError, type EtlError } from '../errors.js';

/** A request that failed: either `status` (the remote answered) or `code` (no answer: a network error). */
export interface HttpFailure {
  /** `POST /crm/v3/objects/contacts/batch/upsert`: the method and the URL's path, never its query string. */
  operation: string;
  /** Names the remote in messages, e.g. `HubSpot`. */
  service: string;
  /** The base URL's origin, for messages. */
  origin: string;
  status?: number;
  headers?: Record<string, unknown>;
  /** The answer's body, parsed as JSON when it is JSON. */
  body?: unknown;
  /** The network error code (`ECONNRESET`, `CERT_HAS_EXPIRED`...). */
  code?: string;
  /** The wait the remote asked for (Retry-After), in ms. */
  retryAfterMs?: number;
  /** Prefix of the default error codes, e.g. `HUBSPOT` for `HUBSPOT_NETWORK`. @default HTTP */
  codePrefix?: string;
}

/** A 4xx about the request's content (not auth, not rate): fatal unless the plugin isolates the records that caused it. */
export class HttpRequestError extends FatalError {
  readonly status: number;
  readonly body: unknown;
  readonly operation: string;
  constructor(failure: HttpFailure, options: { code?: string; suggestions?: string[] } = {}) {
    super(`${failure.service} answered ${failure.status} to ${failure.operation}: ${bodyMessage(failure.body)}`, {
      code: options.code ?? 'HTTP_BAD_REQUEST',
      suggestions: options.suggestions ?? [
        "Check the config and the values the records carry; the message above is the remote's.",
      ],
      context: { status: failure.status, operation: failure.operation },
    });
    this.status = failure.status ?? 0;
    this.body = failure.body;
    this.operation = failure.operation;
  }
}

/** Retry-After as ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(headers: Record<string, unknown> | undefined, now = Date.now()): number | undefined {
  const raw = headers?.['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === null || value === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(String(value));
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** The human part of an error body: `message`, `error.message`, `error` as text, or the start of a text body. */
export function bodyMessage(body: unknown): string {
  if (typeof body === 'string') return body.replace(/\s+/g, ' ').trim().slice(0, 300) || 'no message';
  const b = body as { message?: unknown; error?: unknown } | null | undefined;
  const nested = b?.error && typeof b.error === 'object' ? (b.error as { message?: unknown }).message : b?.error;
  const message = typeof b?.message === 'string' ? b.message : typeof nested === 'string' ? nested : undefined;
  return message?.slice(0, 300) ?? 'no message';
}

/** Certificate problems: waiting cannot fix them, and checks are never turned off to get past them. */
const TLS_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const RETRIABLE_STATUS = new Set([408, 425, 429]);

/** The default mapping (see the module comment). */
export function defaultHttpError(failure: HttpFailure): EtlError {
  const { service, operation, origin, status, code } = failure;
  const prefix = failure.codePrefix ?? 'HTTP';
  if (status === undefined) {
    if (code && TLS_ERRORS.has(code)) {
      return new FatalError(
        `${service} at ${origin} presented a certificate that cannot be trusted (${code}) for ${operation}.`,
        {
          code: `${prefix}_TLS`,
          suggestions: [
            'Check the base URL.',
            'Behind a TLS-intercepting proxy, give Node its CA with NODE_EXTRA_CA_CERTS; certificate checks stay on.',
          ],
        },
      );
    }
    if (code === 'ENOTFOUND' || code === 'ERR_INVALID_URL') {
      return new FatalError(
        `Cannot reach ${service} at ${origin} for ${operation}: the host does not resolve (${code}).`,
        {
          code: `${prefix}_UNREACHABLE`,
          suggestions: ['Check the base URL and the network.'],
        },
      );
    }
    return new RetriableError(
      `Network error talking to ${service} at ${origin} (${operation}): ${code ?? 'UNKNOWN'}.`,
      { code: `${prefix}_NETWORK` },
    );
  }
  const detail = bodyMessage(failure.body);
  const context = { status, operation };
  if (status === 401 || status === 403) {
    return new FatalError(`${service} refused ${operation} (${status}): ${detail}`, {
      code: `${prefix}_${status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN'}`,
      context,
      suggestions: [
        status === 401
          ? 'The credentials are wrong, expired or revoked: set them again.'
          : 'The credentials lack a permission this call needs.',
      ],
    });
  }
  if (RETRIABLE_STATUS.has(status) || status >= 500) {
    return new RetriableError(`${service} answered ${status} to ${operation}: ${detail}`, {
      code: status === 429 ? `${prefix}_RATE_LIMITED` : `${prefix}_UNAVAILABLE`,
      retryAfterMs: failure.retryAfterMs,
      context,
    });
  }
  return new HttpRequestError(failure, { code: `${prefix}_BAD_REQUEST` });
}
