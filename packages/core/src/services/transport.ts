import { ConfigError } from '../errors.js';

/** Hosts a plain-HTTP URL may name without `allowInsecureHttp`: this machine (the sandbox, a local proxy). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/**
 * Why `url` may not be used to send credentials, or undefined when it may: `https:` anywhere, `http:` only to a
 * loopback host. A bearer token or password sent over plain HTTP to another host can be read by anyone on the path.
 */
export function insecureUrlReason(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined; // the schema's `format: uri` reports it
  }
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname)) return undefined;
  if (parsed.protocol === 'http:')
    return `${parsed.origin} is plain http: credentials and data would cross the network unencrypted`;
  return `${parsed.protocol} is not an http(s) URL`;
}

/** What `etl validate` reports at `baseUrl` (undefined: fine, or http:// with `allowInsecureHttp`). */
export function baseUrlProblem(url: string, allowInsecureHttp: boolean | undefined): string | undefined {
  const reason = insecureUrlReason(url);
  if (reason === undefined || (allowInsecureHttp && url.startsWith('http:'))) return undefined;
  return `${reason} (use https://, or http:// to localhost only; allowInsecureHttp: true accepts it with a warning on every run)`;
}

/**
 * Refuses an insecure base URL with a ConfigError, or, when `allowInsecureHttp` is set, returns the warning each run
 * must print (the caller logs it, so it shows up in every run's log, never silently).
 */
export function checkBaseUrl(url: string, allowInsecureHttp: boolean | undefined, what: string): string | undefined {
  const reason = insecureUrlReason(url);
  if (reason === undefined) return undefined;
  if (allowInsecureHttp && url.startsWith('http:')) return `${what}: allowInsecureHttp is set; ${reason}.`;
  throw new ConfigError(`${what}: baseUrl ${reason}.`, [], {
    code: 'INSECURE_URL',
    suggestions: [
      'Use https://, or http:// to localhost / 127.0.0.1 only.',
      'If the network path is trusted, set allowInsecureHttp: true (a warning is printed on every run).',
    ],
  });
}
