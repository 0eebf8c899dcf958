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
  contacts(): Array<{
    id: string;
    properties: Record<string, string | null>;
    createdAt: string;
    updatedAt: string;
    archived: boolean;
  }>;
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
  pipedrivePort?: number;
  /** Folder of the HubSpot (`hubspot/`) and Pipedrive (`pipedrive/`) state. */
  stateDir?: string;
  rate?: string;
  dailyLimit?: number;
  /** The Pipedrive stand-in's plan (burst limits and default budget). @default "advanced" */
  pipedrivePlan?: PipedrivePlan;
  /** The Pipedrive stand-in's daily token budget. */
  pipedriveDailyTokens?: number;
  host?: string;
}

export interface Sandbox {
  kaggle: KaggleSandbox;
  hubspot: HubspotSandbox;
  pipedrive: PipedriveSandbox;
  /** The environment a user would set for the real services, pointed at the sandbox: KAGGLE_BASE_URL, KAGGLE_EMAIL, … */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Pipedrive plans; they set the burst limits (per 2 s) and the default daily token budget. */
export type PipedrivePlan = 'essential' | 'advanced' | 'professional' | 'power' | 'enterprise';

export interface PipedriveFaults {
  /** Share (0..1) of API requests answered with a 5xx (500, 502, 503, 504 in turn), charged no tokens. */
  errorRate?: number;
  /** Added latency per request, ms (or a [min, max] range). */
  latencyMs?: number | [number, number];
  /** Share (0..1) of requests whose connection is destroyed without an answer. */
  dropRate?: number;
  /** Seed for the random choices above, for repeatable runs. */
  seed?: number;
}

export interface PipedriveSandboxOptions {
  port?: number;
  host?: string;
  /** The API token accepted in `x-api-token`. @default "pd-sandbox-api-token-0000" */
  token?: string;
  /** The OAuth access token accepted as `Authorization: Bearer`. @default "pd-sandbox-oauth-token-0000" */
  oauthToken?: string;
  /** Sets the burst limits and the default budget. @default "advanced" (40 / 2 s by api token, 160 by OAuth) */
  plan?: PipedrivePlan;
  /** Requests per 2-s window per token, for both kinds of token; overrides the plan's. */
  burst?: number;
  /** Search requests per 2-s window per token. @default 10 */
  searchBurst?: number;
  /** The company's daily token budget. @default 30,000 × the plan's multiplier (UNVERIFIED formula) */
  dailyTokens?: number;
  /**
   * What both tokens may do: OAuth scopes such as `contacts:read`, `contacts:full`, `search:read`, `admin`,
   * `contact-fields:full`, `base`. A route none of whose scopes is granted answers 403. @default all of them
   */
  scopes?: string[];
  /** Where persons, fields, the company id, the day's spent tokens and the clock persist; in memory when absent. */
  stateDir?: string;
  /** The stand-in's clock in ms (its day ends at midnight UTC of this clock). @default Date.now plus any setClock shift */
  now?: () => number;
  faults?: PipedriveFaults;
}

/** A person as held by the stand-in, for assertions. */
export interface PipedrivePerson {
  id: number;
  name: string;
  emails: Array<{ value: string; primary: boolean; label: string }>;
  phones: Array<{ value: string; primary: boolean; label: string }>;
  customFields: Record<string, unknown>;
  addTime: string;
  updateTime: string;
  isDeleted: boolean;
}

export interface PipedriveStats {
  companyId: number;
  requests: number;
  /** By route pattern, e.g. `{"POST /api/v2/persons": 3}`. */
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  /** By route pattern and status, e.g. `{"POST /api/v2/persons 200": 3}`. */
  byRouteStatus: Record<string, number>;
  /** 429s by the limit hit: `burst`, `search`, `daily_budget`. */
  rateLimited: Record<string, number>;
  /** The stand-in's current day (UTC, YYYY-MM-DD), tokens spent that day and the budget. */
  day: string;
  tokensSpent: number;
  dailyTokens: number;
}

export interface PipedriveSandbox {
  /** Origin of the server: the API is at `${baseUrl}/api/v2/...` (and `${baseUrl}/api/v1/users/me`). */
  baseUrl: string;
  /** The API token (`x-api-token` header). */
  token: string;
  /** The OAuth access token (`Authorization: Bearer`). */
  oauthToken: string;
  /** The company id `GET /api/v1/users/me` reports: random, kept in `stateDir`, so each folder is one company. */
  companyId: number;
  /** Every person held, deleted ones included (also `GET /__sandbox/persons`). */
  persons(): PipedrivePerson[];
  /** Counters (also `GET /__sandbox/stats`). */
  stats(): PipedriveStats;
  /** Sets the stand-in's clock to `time` (ms or Date); later calls move on from there in real time. */
  setClock(time: number | Date): void;
  /** Moves the clock to the next midnight UTC (plus `plusMs`), where the daily budget starts over. */
  advanceDay(plusMs?: number): void;
  /** Current time of the stand-in's clock, ms. */
  now(): number;
  /** Change faults at run time (also `POST /__sandbox/faults`). */
  setFaults(faults: PipedriveFaults): void;
  /** Clears persons, custom fields, counters and the day's spending (also `POST /__sandbox/reset`); the company stays. */
  reset(): Promise<void>;
  close(): Promise<void>;
}
