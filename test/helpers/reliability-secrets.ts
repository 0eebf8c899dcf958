/** Searching outputs and files for secrets in every form a leak takes: raw, URL-encoded, base64 (alone or as Basic auth). */
import { readFileSync } from 'node:fs';
import { listFiles } from './reliability-env.js';

/** The forms of one secret a leak may take. */
export function secretForms(secret: string): string[] {
  const forms = new Set([
    secret,
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
  ]);
  // base64 of a secret inside a longer string (e.g. Basic "user:key") starts at any of three alignments; the middle
  // part of each alignment is stable, so search for it (long enough not to occur by chance).
  for (const prefix of ['', 'x', 'xx']) {
    const b64 = Buffer.from(prefix + secret).toString('base64');
    const start = prefix ? 4 : 0;
    const stable = b64.slice(start, start + Math.floor(((secret.length - 2) * 4) / 3 / 4) * 4);
    if (stable.length >= 12) forms.add(stable);
  }
  return [...forms];
}

export interface Leak {
  secret: string;
  form: string;
  where: string;
}

/** Every place (a named text, or a file under one of `dirs`) holding any form of any secret. */
export function findLeaks(
  secrets: string[],
  texts: Record<string, string>,
  dirs: string[],
): { leaks: Leak[]; filesScanned: number } {
  const leaks: Leak[] = [];
  const check = (where: string, content: string) => {
    for (const secret of secrets)
      for (const form of secretForms(secret)) if (content.includes(form)) leaks.push({ secret, form, where });
  };
  for (const [where, text] of Object.entries(texts)) check(where, text);
  let filesScanned = 0;
  for (const dir of dirs) {
    for (const file of listFiles(dir)) {
      filesScanned++;
      const bytes = readFileSync(file);
      check(file, bytes.toString('latin1'));
      check(file, bytes.toString('utf8'));
    }
  }
  return { leaks, filesScanned };
}
