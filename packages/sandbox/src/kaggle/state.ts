import { randomBytes } from 'node:crypto';
import type { KaggleBehaviours, KaggleCredentials } from '../types.js';

/** The credentials the sandbox accepts unless overridden. */
export const DEFAULT_KAGGLE_CREDENTIALS: KaggleCredentials = {
  email: 'demo@sandbox.local',
  password: 'sandbox-password',
  username: 'sandbox',
  key: 'sandbox-key',
  token: 'KGAT_sandbox_token',
};

/** The code the two-factor step accepts (the sandbox has no authenticator app). */
export const SANDBOX_TWO_FACTOR_CODE = '123456';

/** Cookie names. Real Kaggle uses `__Host-KAGGLEID`; the `__Host-` prefix needs https, which loopback lacks. */
export const COOKIES = {
  session: 'KAGGLEID',
  xsrf: 'XSRF-TOKEN',
  consent: 'CookieConsent',
  twoFactor: 'KAGGLE_2FA',
} as const;

/** Mutable state shared by the sandbox's routes: behaviours, sessions and counters. */
export class KaggleState {
  behaviours: KaggleBehaviours = {};
  /** Login-page 404s still to give (counts down from `loginNotFoundTimes`). */
  loginNotFoundLeft = 0;
  /** Storage paths already cut once under `cutDownloadAfterBytes`. */
  readonly cutPaths = new Set<string>();
  /** Session id → username. */
  readonly sessions = new Map<string, string>();
  /** Pending two-factor id → return URL. */
  readonly pendingTwoFactor = new Map<string, string>();
  private readonly counters: Record<string, number> = {};

  constructor(
    readonly credentials: KaggleCredentials,
    behaviours: KaggleBehaviours = {},
  ) {
    this.setBehaviours(behaviours);
  }

  /** Replaces all behaviours (an empty object turns them all off) and re-arms the one-shot ones. */
  setBehaviours(behaviours: KaggleBehaviours): void {
    this.behaviours = { ...behaviours };
    this.loginNotFoundLeft = behaviours.loginNotFoundTimes ?? 0;
    this.cutPaths.clear();
  }

  /**
   * Counts one event. Keys: `loginPage`, `loginNotFound`, `login` (signed in), `loginFailed`, `twoFactorChallenge`,
   * `twoFactorFailed`, `xsrfRejected`, `datasetPage`, `webDownload`, `apiView`, `apiList`, `apiDownload`,
   * `unauthorized`, `forbidden`, `notFound`, `storage`, `badSignature`, `rangeRequest`, `cutDownload`, and `download`
   * (file bodies served, from storage links or the web zip download).
   */
  count(key: string): void {
    this.counters[key] = (this.counters[key] ?? 0) + 1;
  }

  stats(): Record<string, number> {
    return { ...this.counters };
  }

  newSession(username: string): string {
    const id = randomBytes(24).toString('base64url');
    this.sessions.set(id, username);
    return id;
  }

  /** The signed-in username for a session cookie value, if any. */
  user(sessionId: string | undefined): string | undefined {
    return sessionId ? this.sessions.get(sessionId) : undefined;
  }
}
