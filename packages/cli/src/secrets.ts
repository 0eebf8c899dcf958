/**
 * Values the CLI must never print. Filled from the resolved pipeline (`secrets`), the sandbox's credentials and,
 * before any pipeline is loaded, from environment variables whose names say they hold a secret: an error thrown while
 * connecting (mysql2, axios) may embed a URL or header built from them.
 */
import { redactSecrets } from '@etl/core';

const SECRET_NAME = /(TOKEN|PASSWORD|PASSWD|SECRET|API_?KEY|_KEY$|^KEY$|CREDENTIAL|PRIVATE)/i;
const MIN_LENGTH = 4;

const secrets = new Set<string>();

/** Registers values that must be masked in everything the CLI prints. Short values are ignored (they would mask noise). */
export function addSecrets(values: Iterable<string | undefined>): void {
  for (const value of values) if (typeof value === 'string' && value.length >= MIN_LENGTH) secrets.add(value);
}

/** Secret-looking environment variables, and the password part of any URL-valued variable. */
export function addEnvSecrets(env: Record<string, string | undefined> = process.env): void {
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (SECRET_NAME.test(name)) addSecrets([value]);
    if (value.includes('://') && value.includes('@')) {
      try {
        const url = new URL(value);
        if (url.password) addSecrets([url.password, decodeURIComponent(url.password)]);
      } catch {
        // Not a URL after all; nothing to mask.
      }
    }
  }
}

export function knownSecrets(): string[] {
  return [...secrets];
}

/** The text with every known secret masked. */
export function redact(text: string): string {
  return secrets.size === 0 ? text : redactSecrets(text, [...secrets]);
}
