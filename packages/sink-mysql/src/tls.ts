import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigInputFromSchema, type ConfigSchema } from '@etl/core';

/** TLS settings of a connection, as resolved from `ssl:` and the URL's `?ssl=`. */
export interface TlsSettings {
  /** A PEM file of the CA(s) that signed the server's certificate. Default: Node's bundled CAs. */
  ca?: string;
  /** Check the server's certificate and name. Turning it off gives encryption without knowing who is at the other end. */
  verify: boolean;
  /** The name the certificate must carry, when it differs from the host connected to. */
  servername?: string;
}

/** JSON Schema of the step's `ssl` option. */
export const sslSchema = {
  description:
    'TLS to the server: true (verify against the bundled CAs), or { ca, verify, servername }. Also `?ssl=true` in the URL. Off by default.',
  oneOf: [
    { type: 'boolean' },
    {
      type: 'object',
      additionalProperties: false,
      properties: {
        ca: {
          type: 'string',
          minLength: 1,
          description: 'PEM file of the CA that signed the server certificate (relative to the working folder).',
        },
        verify: {
          type: 'boolean',
          default: true,
          description: 'Verify the server certificate and host name. Leave on.',
        },
        servername: {
          type: 'string',
          description: 'Host name the certificate must carry, if not the host connected to.',
        },
      },
    },
  ],
} as const satisfies ConfigSchema;

/**
 * `ssl:` in the step wins over the URL's `?ssl=true|false`; without either, the connection is plain (as before: a
 * loopback or socket database needs no TLS). With `ssl` set, verification is on unless `verify: false` says otherwise.
 */
/** The step's `ssl` option: `true`, or a CA, verification and server name. */
export type SslOption = ConfigInputFromSchema<typeof sslSchema>;

export function resolveTls(option: SslOption | undefined, url: URL): TlsSettings | undefined {
  const ssl = option ?? urlSsl(url);
  if (ssl === undefined || ssl === false) return undefined;
  if (ssl === true) return { verify: true };
  return {
    ...(ssl.ca ? { ca: ssl.ca } : {}),
    verify: ssl.verify ?? true,
    ...(ssl.servername ? { servername: ssl.servername } : {}),
  };
}

function urlSsl(url: URL): boolean | undefined {
  const value = url.searchParams.get('ssl');
  if (value === null) return undefined;
  if (['true', '1', 'required', 'verify'].includes(value)) return true;
  if (['false', '0', 'off'].includes(value)) return false;
  throw new ConfigError(`The mysql step's url has ?ssl=${value}; expected ?ssl=true or ?ssl=false.`, [], {
    code: 'MYSQL_URL_INVALID',
    suggestions: ["Use ?ssl=true for a verified TLS connection; give a CA with the step's ssl: { ca: ca.pem }."],
  });
}

/** The mysql2 `ssl` option for a target (undefined: plain TCP). Reads the CA file, so call it when connecting. */
export function driverSsl(target: { tls?: TlsSettings }): Record<string, unknown> | undefined {
  const tls = target.tls;
  if (!tls) return undefined;
  let ca: string | undefined;
  if (tls.ca) {
    try {
      ca = readFileSync(tls.ca, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `The mysql step's ssl.ca file ${tls.ca} cannot be read (${(error as NodeJS.ErrnoException).code ?? error}).`,
        [],
        {
          code: 'MYSQL_TLS_CA_UNREADABLE',
          suggestions: ['Point ssl.ca at the PEM file of the CA that signed the server certificate.'],
        },
      );
    }
  }
  return {
    ...(ca ? { ca } : {}),
    rejectUnauthorized: tls.verify,
    ...(tls.servername ? { servername: tls.servername } : {}),
  };
}

/** `{ ssl }` for mysql2 and TypeORM when the target asks for TLS, else nothing (docs/security.md, "Transport"). */
export function withSsl(target: { tls?: TlsSettings }): { ssl?: Record<string, unknown> } {
  const ssl = driverSsl(target);
  return ssl ? { ssl } : {};
}
