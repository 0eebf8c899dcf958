import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Signed storage links live three days, as Kaggle's GCS links do. */
export const LINK_LIFETIME_SECONDS = 259_200;

/** Why a storage link was refused. */
export type LinkCheck = { ok: true } | { ok: false; reason: 'missing' | 'tampered' | 'expired' };

/** Signs and checks storage links the way GCS V4 signed URLs look to a client (query parameters `X-Goog-*`). */
export interface UrlSigner {
  /** Returns `path` with the `X-Goog-*` query parameters appended. */
  sign(path: string, now?: Date): string;
  /** Checks the signature over path + the other query parameters, then the expiry. */
  check(path: string, query: Record<string, string | undefined>, now?: Date): LinkCheck;
}

function googDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function parseGoogDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}

function canonical(path: string, query: Record<string, string | undefined>): string {
  const pairs = Object.entries(query)
    .filter(([key, value]) => key !== 'X-Goog-Signature' && value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value!)}`);
  return `${path}\n${pairs.join('&')}`;
}

/**
 * Creates a signer. The real links are RSA-signed by a service account; an HMAC with a per-server secret is enough to
 * make tampering detectable, which is all a client can observe.
 */
export function createUrlSigner(secret: Buffer = randomBytes(32)): UrlSigner {
  const mac = (text: string) => createHmac('sha256', secret).update(text).digest('hex');
  return {
    sign(path, now = new Date()) {
      const date = googDate(now);
      const query: Record<string, string> = {
        'X-Goog-Algorithm': 'GOOG4-RSA-SHA256',
        'X-Goog-Credential': `kaggle-sandbox@kaggle-161607.iam.gserviceaccount.com/${date.slice(0, 8)}/auto/storage/goog4_request`,
        'X-Goog-Date': date,
        'X-Goog-Expires': String(LINK_LIFETIME_SECONDS),
        'X-Goog-SignedHeaders': 'host',
      };
      const signature = mac(canonical(path, query));
      const search = new URLSearchParams({ ...query, 'X-Goog-Signature': signature });
      return `${path}?${search.toString()}`;
    },
    check(path, query, now = new Date()) {
      const given = query['X-Goog-Signature'];
      if (!given || !query['X-Goog-Date'] || !query['X-Goog-Expires']) return { ok: false, reason: 'missing' };
      const expected = Buffer.from(mac(canonical(path, query)));
      const actual = Buffer.from(given);
      if (expected.length !== actual.length || !timingSafeEqual(expected, actual))
        return { ok: false, reason: 'tampered' };
      const signedAt = parseGoogDate(query['X-Goog-Date']);
      const lifetime = Number(query['X-Goog-Expires']);
      if (!signedAt || !Number.isFinite(lifetime)) return { ok: false, reason: 'tampered' };
      if (now.getTime() > signedAt.getTime() + lifetime * 1000) return { ok: false, reason: 'expired' };
      return { ok: true };
    },
  };
}
