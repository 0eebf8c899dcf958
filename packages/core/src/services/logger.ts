import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { LogLevel, Logger } from '../plugins/types.js';
import { createRedactor } from './redact.js';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  /** How lines look on `stream`: `pretty` for people, `json` (one object per line) for machines. @default 'pretty' */
  format?: 'pretty' | 'json';
  /** Lowest level written. @default 'info' */
  level?: LogLevel;
  /** Where formatted lines go; `null` writes to the file only. @default process.stderr */
  stream?: NodeJS.WritableStream | null;
  /** A file that receives every line as JSON (the run's `run.log`), whatever `format` says. */
  file?: string;
  /** Values to mask everywhere (more can be added with `addSecret`). */
  secrets?: string[];
  /** Another logger that also receives every (already redacted) line, e.g. the CLI's logger during a run. */
  forward?: Logger;
  /** Fields on every line. */
  fields?: Record<string, unknown>;
}

/** A `Logger` that also owns its outputs. */
export interface RootLogger extends Logger {
  /** Masks `value` from now on (a token fetched at run time, for example). */
  addSecret(value: string): void;
  /** Resolves once everything logged so far reached the file. */
  flush(): Promise<void>;
  /** Flushes and closes the file. */
  close(): Promise<void>;
}

/** Turns errors (which JSON.stringify renders as `{}`) into plain fields worth reading. */
function plainFields(fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in fields) {
    const value = fields[key];
    if (value instanceof Error) {
      out ??= { ...fields };
      const e = value as Error & { code?: unknown; context?: unknown };
      out[key] = { name: e.name, message: e.message, code: e.code, context: e.context };
    }
  }
  return out ?? fields;
}

const safeJson = (value: unknown): string => {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return '"[unserialisable]"';
  }
};

function prettyLine(level: LogLevel, message: string, fields: Record<string, unknown>, time: Date): string {
  const hhmmss = time.toISOString().slice(11, 19);
  const step = typeof fields.step === 'string' ? ` [${fields.step}]` : '';
  let rest = '';
  for (const key in fields) {
    if (key === 'step' || key === 'pipeline' || key === 'runId') continue;
    const value = fields[key];
    rest += ` ${key}=${typeof value === 'string' ? value : safeJson(value)}`;
  }
  return `${hhmmss} ${level.toUpperCase().padEnd(5)}${step} ${message}${rest}\n`;
}

/**
 * Creates the root logger of a run (or of the CLI). Every line is redacted before it is written anywhere: messages,
 * field values and error texts, for each known secret in its raw, URL-encoded, JSON-escaped and base64 forms.
 */
export function createLogger(options: LoggerOptions = {}): RootLogger {
  const format = options.format ?? 'pretty';
  const min = LEVELS[options.level ?? 'info'];
  const stream = options.stream === undefined ? process.stderr : options.stream;
  const secrets = new Set(options.secrets ?? []);
  let redact = createRedactor(secrets);
  let file: WriteStream | undefined;
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true });
    // Owner-only: a log may quote rejected data even with secrets masked.
    file = createWriteStream(options.file, { flags: 'a', mode: 0o600 });
  }

  const write = (level: LogLevel, message: string, fields: Record<string, unknown>): void => {
    if (LEVELS[level] < min) return;
    const time = new Date();
    const plain = plainFields(fields);
    // Redact the serialised line, so secrets nested anywhere in fields are caught too.
    const json = redact(safeJson({ time: time.toISOString(), level, msg: message, ...plain }));
    if (file) file.write(`${json}\n`);
    if (stream) stream.write(format === 'json' ? `${json}\n` : redact(prettyLine(level, message, plain, time)));
    if (options.forward) {
      const parsed = JSON.parse(json) as Record<string, unknown>;
      const { time: _t, level: _l, msg, ...rest } = parsed;
      options.forward[level](String(msg), rest);
    }
  };

  const make = (base: Record<string, unknown>): Logger => ({
    debug: (m, f) => write('debug', m, f ? { ...base, ...f } : base),
    info: (m, f) => write('info', m, f ? { ...base, ...f } : base),
    warn: (m, f) => write('warn', m, f ? { ...base, ...f } : base),
    error: (m, f) => write('error', m, f ? { ...base, ...f } : base),
    child: (f) => make({ ...base, ...f }),
  });

  const root = make(options.fields ?? {});
  return {
    ...root,
    addSecret(value: string) {
      if (typeof value !== 'string' || secrets.has(value)) return;
      secrets.add(value);
      redact = createRedactor(secrets);
    },
    flush: () =>
      new Promise<void>((resolve) => {
        if (!file || file.writableLength === 0) return resolve();
        // 'drain' only fires after a write overflowed the buffer. Writes complete in order, so the callback of an empty
        // write runs once every earlier line is written, overflow or not. A failed write resolves too: logging is
        // best effort and must not hold up the run.
        file.write('', () => resolve());
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (!file) return resolve();
        const f = file;
        file = undefined;
        f.end(() => resolve());
      }),
  };
}
