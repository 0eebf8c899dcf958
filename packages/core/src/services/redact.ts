/** Replaces every known secret (and the forms it takes inside URLs, JSON, and base64 headers) with this mask. */
export const SECRET_MASK = '***';

// Secrets this short would mask ordinary words ("ab" in every "about"); config validation should refuse them instead.
const MIN_SECRET_LENGTH = 3;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every spelling of `secret` that may end up in a message: raw, URL-encoded, JSON-escaped and base64 (3 alignments). */
export function secretVariants(secret: string): string[] {
  const variants = new Set<string>([secret]);
  variants.add(encodeURIComponent(secret));
  variants.add(JSON.stringify(secret).slice(1, -1));
  variants.add(JSON.stringify(JSON.stringify(secret)).slice(3, -3));
  // A secret inside a base64 blob (e.g. `Basic user:secret`) is encoded at one of three byte offsets; keep the
  // characters that depend only on the secret's own bytes.
  const bytes = Buffer.from(secret, 'utf8');
  variants.add(bytes.toString('base64'));
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const start = offset === 0 ? 0 : offset + 1;
    const whole = Math.floor((offset + bytes.length) / 3) * 4;
    const stable = encoded.slice(start, whole);
    if (stable.length >= 4) variants.add(stable);
  }
  return [...variants].filter((v) => v.length >= MIN_SECRET_LENGTH);
}

/** Builds a redactor for a fixed set of secrets; reuse it on hot paths (the regex is compiled once). */
export function createRedactor(secrets: Iterable<string>): (text: string) => string {
  const variants = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue;
    for (const v of secretVariants(secret)) variants.add(v);
  }
  if (variants.size === 0) return (text) => text;
  // Longest first so a secret that contains another is masked whole.
  const pattern = new RegExp(
    [...variants]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|'),
    'g',
  );
  return (text) => (typeof text === 'string' ? text.replace(pattern, SECRET_MASK) : text);
}

/** Masks every occurrence of each secret (raw, URL-encoded, JSON-escaped, base64) in `text`. */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  return createRedactor(secrets)(text);
}
