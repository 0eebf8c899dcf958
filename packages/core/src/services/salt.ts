/**
 * The project's salt: 32 random bytes kept in `<state>/salt` (mode 0600), created once. Hashes of secrets that are
 * stored or shown (identities built from a token) use it, so a weak secret cannot be guessed from them offline.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const cache = new Map<string, Buffer>();

/** Reads the salt of the project state folder `stateDir`, creating it the first time (two racing processes agree). */
export function projectSalt(stateDir: string): Buffer {
  const known = cache.get(stateDir);
  if (known) return known;
  const file = join(stateDir, 'salt');
  let salt: Buffer;
  try {
    salt = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  } catch {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    // Written whole under a temporary name, then linked into place: a racing process sees no file or a whole one.
    const temp = `${file}.tmp-${process.pid}`;
    writeFileSync(temp, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    try {
      linkSync(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(temp);
    }
    salt = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  }
  if (salt.length < 16)
    throw new Error(`The salt file ${file} is damaged; delete it (stored hashes of secrets change).`);
  cache.set(stateDir, salt);
  return salt;
}

/** HMAC-SHA256 of `value` under the project's salt, base64url, 22 characters (132 bits). */
export function hashSecret(stateDir: string, value: string): string {
  return hashWithSalt(projectSalt(stateDir), value);
}

/** The same hash under a given salt (a shared state store's). */
export function hashWithSalt(salt: Buffer, value: string): string {
  return createHmac('sha256', salt).update(value).digest('base64url').slice(0, 22);
}
