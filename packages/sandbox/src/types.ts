/** The sandbox's public shapes, agreed before its servers were written so plugins and tests could code against them. */

export interface KaggleBehaviours {
  /** Show a cookie banner with an Accept button that covers the page until accepted. */
  cookieBanner?: boolean;
  /** After a correct password, ask for a two-factor code instead of signing in. */
  twoFactor?: boolean;
  /** Delay every web page by this many ms (a slow or never-loading login page). */
  slowPageMs?: number;
  /** Answer the login page with 404 ("backend NotFound") this many times before serving it. */
  loginNotFoundTimes?: number;
  /** Cut API file downloads after this many bytes (the client must resume with a Range request). */
  cutDownloadAfterBytes?: number;
  /** Send a wrong X-Goog-Hash MD5 with downloads. */
  corruptMd5?: boolean;
}

export interface KaggleCredentials {
  email: string;
  password: string;
  username: string;
  key: string;
  /** A `KGAT_…` API token (Bearer). */
  token: string;
}

export interface KaggleSandboxOptions {
  /** The dataset archive to serve (a zip); without it the small committed sample. */
  dataset?: string;
  /** `owner/slug` served. @default thedevastator/us-baby-names-by-year-of-birth */
  datasetRef?: string;
  port?: number;
  host?: string;
  credentials?: Partial<KaggleCredentials>;
  behaviours?: KaggleBehaviours;
}

export interface KaggleSandbox {
  baseUrl: string;
  credentials: KaggleCredentials;
  datasetRef: string;
  /** Change behaviours at run time (also `POST /__sandbox/behaviours` with JSON). */
  setBehaviours(behaviours: KaggleBehaviours): void;
  /** Counts of requests by route, e.g. `{ login: 1, download: 2 }` (also `GET /__sandbox/stats`). */
  stats(): Record<string, number>;
  /**
   * Publishes a new version of the served dataset, as its owner would on Kaggle: the version number goes up and, when
   * `dataset` (a zip) is given, its files are served from now on. Resolves with the new version number.
   */
  publishVersion(dataset?: string): Promise<number>;
  close(): Promise<void>;
}

export interface HubspotFaults {
  /** Share (0..1) of API requests answered with a 5xx (500, 502, 503, 504 in turn). */
  errorRate?: number;
  /** Share (0..1) of requests answered 423 Locked. */
  lockedRate?: number;
  /** Added latency per request, ms (or a [min, max] range). */
  latencyMs?: number | [number, number];
  /** Share (0..1) of requests whose connection is destroyed without an answer. */
  dropRate?: number;
  /** Answer every request 429 TEN_SECONDLY_ROLLING for this many ms from now. */
  rateLimitStormMs?: number;
  /** Seed for the random choices above, for repeatable runs. */
  seed?: number;
}

export interface HubspotSandboxOptions {
  port?: number;
  host?: string;
  /** Private-app token accepted as Bearer. */
  token?: string;
  /** Rolling burst window, e.g. "100/10s". @default "100/10s" */
  rate?: string;
  /** Requests per day. @default 250000 */
  dailyLimit?: number;
  /** Where contacts, properties and counters persist; in memory only when absent. */
  stateDir?: string;
  faults?: HubspotFaults;
  /**
   * What the token may do with `GET /account-info/v3/details`: `granted` answers the portal's details,
   * `missing-scope` answers 403 MISSING_SCOPES (a token without the scope), `not-found` answers 404 (a proxy or an
   * API without the route). @default "granted"
   */
  accountInfo?: 'granted' | 'missing-scope' | 'not-found';
}

export interface HubspotSandbox {
  baseUrl: string;
  token: string;
  /** The portal (HubSpot account) id account-info reports: random, kept in `stateDir`, so each folder is one portal. */
  portalId: number;
  /** Change faults at run time (also `POST /__sandbox/faults` with JSON). */
  setFaults(faults: HubspotFaults): void;
  /** Every contact held, for assertions (also `GET /__sandbox/contacts`). */
  contacts(): Array<{ id: string; properties: Record<string, string | null>; createdAt: string; updatedAt: string; archived: boolean }>;
  /** Counters: requests, by status, 429s by policy, and the portal id (also `GET /__sandbox/stats`). */
  stats(): {
    portalId: number;
    requests: number;
    byStatus: Record<string, number>;
    rateLimited: Record<string, number>;
    byRoute: Record<string, number>;
    /** The most accepted requests its rolling burst window held at once (since start or reset). */
    peakInWindow: number;
  };
  /** Clears contacts, custom properties and counters (also `POST /__sandbox/reset`); the portal id stays. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface SandboxOptions {
  dataset?: string;
  kagglePort?: number;
  hubspotPort?: number;
  stateDir?: string;
  rate?: string;
  dailyLimit?: number;
  host?: string;
}

export interface Sandbox {
  kaggle: KaggleSandbox;
  hubspot: HubspotSandbox;
  /** The environment a user would set for the real services, pointed at the sandbox: KAGGLE_BASE_URL, KAGGLE_EMAIL, … */
  env: Record<string, string>;
  close(): Promise<void>;
}
