import { RetriableError, RetriesExhaustedError, isRetriable } from '../errors.js';
import type { RetryOptions, RetryService } from '../plugins/types.js';

/** Defaults of `RetryOptions` (see the contract for what each means). */
export const RETRY_DEFAULTS = { attempts: 6, maxElapsedMs: 300_000, baseDelayMs: 500, maxDelayMs: 30_000 } as const;

/** A `RetryOptions` plus what only the runtime passes: a signal that cuts waits short. */
export interface RetryRunOptions extends RetryOptions {
  signal?: AbortSignal;
}

export interface RetryServiceOptions {
  /** Clock in ms. @default Date.now */
  now?(): number;
  /** Waits `ms`; must reject or resolve early when `signal` aborts. @default a timer */
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
  /** Uniform in [0, 1). @default Math.random */
  random?(): number;
  /** Options applied under each call's own (e.g. a step's `retry:` overrides, the run's signal). */
  defaults?: RetryRunOptions;
}

export interface ConfigurableRetryService extends RetryService {
  run<T>(work: (attempt: number) => Promise<T>, options?: RetryRunOptions): Promise<T>;
  /** A service with more defaults layered on (per-step overrides, counters). */
  with(defaults: RetryRunOptions): ConfigurableRetryService;
}

/** Sleeps `ms`, resolving early (not rejecting) when `signal` aborts; callers check the signal afterwards. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Retries work that throws a retriable error (`error.retriable === true`), with exponential backoff and full jitter:
 * before attempt n+1 it waits a random time in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))], but never less than the
 * error's `retryAfterMs`. Gives up after `attempts` attempts or once the next wait would end past `maxElapsedMs`,
 * throwing `RetriesExhaustedError` (the last error as `cause`). An aborted signal stops waiting and rethrows the last
 * error at once. Non-retriable errors are rethrown untouched.
 */
export function createRetryService(options: RetryServiceOptions = {}): ConfigurableRetryService {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;

  const make = (defaults: RetryRunOptions): ConfigurableRetryService => ({
    async run<T>(work: (attempt: number) => Promise<T>, callOptions: RetryRunOptions = {}): Promise<T> {
      const o = { ...RETRY_DEFAULTS, ...defined(defaults), ...defined(callOptions) };
      const onRetries = [defaults.onRetry, callOptions.onRetry].filter((f) => typeof f === 'function');
      const operation = o.operation ?? 'operation';
      const started = now();
      for (let attempt = 1; ; attempt++) {
        try {
          return await work(attempt);
        } catch (error) {
          if (!isRetriable(error)) throw error;
          if (o.signal?.aborted) throw error;
          const elapsed = now() - started;
          if (attempt >= o.attempts) {
            throw new RetriesExhaustedError(
              `${operation} failed ${attempt} times (${Math.round(elapsed / 1000)} s); the last error: ${describe(error)}`,
              {
                cause: error,
                context: { operation, attempts: attempt, elapsedMs: elapsed },
                suggestions: [
                  'The remote kept failing with a temporary error: check its status and run the same command again to resume.',
                  'Raise `retry.attempts` for this step if the failures are expected to last longer.',
                ],
              },
            );
          }
          const ceiling = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (attempt - 1));
          const retryAfter = error instanceof RetriableError && error.retryAfterMs ? error.retryAfterMs : 0;
          const delayMs = Math.max(Math.floor(random() * ceiling), retryAfter);
          if (elapsed + delayMs > o.maxElapsedMs) {
            throw new RetriesExhaustedError(
              `${operation} still failing after ${attempt} attempts; waiting ${delayMs} ms more would pass the ` +
                `${o.maxElapsedMs} ms limit. The last error: ${describe(error)}`,
              {
                cause: error,
                context: { operation, attempts: attempt, elapsedMs: elapsed },
                suggestions: [
                  'Run the same command again later to resume from the last checkpoint.',
                  'Raise `retry.maxElapsed` for this step to wait longer.',
                ],
              },
            );
          }
          for (const f of onRetries) f!({ attempt, delayMs, error });
          await sleep(delayMs, o.signal);
          if (o.signal?.aborted) throw error;
        }
      }
    },
    with: (more) => make({ ...defaults, ...more, onRetry: chain(defaults.onRetry, more.onRetry) }),
  });
  return make(options.defaults ?? {});
}

/** Drops undefined values so an absent override does not erase a default. */
function defined<T extends object>(options: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key in options) if (options[key] !== undefined) out[key] = options[key];
  return out;
}

function chain(a?: RetryOptions['onRetry'], b?: RetryOptions['onRetry']): RetryOptions['onRetry'] {
  if (!a) return b;
  if (!b) return a;
  return (info) => {
    a(info);
    b(info);
  };
}
