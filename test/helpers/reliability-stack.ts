/**
 * One "world" for a babynames run: the Kaggle and HubSpot stand-ins (started here, so they outlive killed CLI runs
 * and can be asked for `contacts()`/`stats()`), a unique MariaDB database and a temp project folder.
 */
import { join } from 'node:path';
import { startHubspotSandbox, startKaggleSandbox, type HubspotSandbox, type KaggleSandbox } from '@etl/sandbox';
import { createTestDatabase, makeProject, startEtl, type EtlProcess } from './reliability-env.js';

export interface Stack {
  kaggle: KaggleSandbox;
  hubspot: HubspotSandbox;
  db: { name: string; url: string; drop(): Promise<void> };
  project: { dir: string; stateDir: string };
  /** The child environment a user would set, pointed at this stack. */
  env: Record<string, string>;
  /** `etl run babynames --json --set steps.kaggle.config.mode=api` plus `extra` args. */
  run(extra?: string[], env?: Record<string, string>): EtlProcess;
  close(): Promise<void>;
}

export interface StackOptions {
  label: string;
  /** Dataset zip for the Kaggle stand-in; the committed 3,000-row sample when absent. */
  dataset?: string;
  /** HubSpot stand-in rolling window, e.g. "300/10s"; the pipeline's limiter is set to the same max. */
  rate?: { max: number; per: string };
  kaggleToken?: string;
  hubspotToken?: string;
  /** MariaDB server URL without database (another server than the shared one, e.g. a private instance). */
  adminUrl?: string;
  pipelinesDir?: string;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const rate = options.rate ?? { max: 100, per: '10s' };
  const kaggle = await startKaggleSandbox({
    dataset: options.dataset,
    credentials: options.kaggleToken ? { token: options.kaggleToken } : undefined,
  });
  const hubspot = await startHubspotSandbox({ token: options.hubspotToken, rate: `${rate.max}/${rate.per}` });
  const db = await createTestDatabase(options.label, options.adminUrl);
  const project = makeProject(options.pipelinesDir);
  const env: Record<string, string> = {
    KAGGLE_BASE_URL: kaggle.baseUrl,
    KAGGLE_API_TOKEN: kaggle.credentials.token,
    HUBSPOT_BASE_URL: hubspot.baseUrl,
    HUBSPOT_ACCESS_TOKEN: hubspot.token,
    HUBSPOT_RATE_MAX: String(rate.max),
    MYSQL_URL: db.url,
  };
  return {
    kaggle,
    hubspot,
    db,
    project,
    env,
    run: (extra = [], more = {}) =>
      startEtl(['run', 'babynames', '--json', '--set', 'steps.kaggle.config.mode=api', ...extra], {
        cwd: project.dir,
        env: { ...env, ...more },
      }),
    async close() {
      await Promise.allSettled([kaggle.close(), hubspot.close(), db.drop()]);
    },
  };
}

/** The pipeline's state folder (checkpoint journal, caches) inside a project. */
export const pipelineStateDir = (stack: Stack) => join(stack.project.stateDir, 'pipelines', 'babynames');

/** Live contacts, by email; a duplicate email is listed twice in `duplicates`. */
export function contactEmails(hubspot: HubspotSandbox): {
  emails: Set<string>;
  duplicates: string[];
  byEmail: Map<string, Record<string, string | null>>;
} {
  const emails = new Set<string>();
  const duplicates: string[] = [];
  const byEmail = new Map<string, Record<string, string | null>>();
  for (const c of hubspot.contacts()) {
    if (c.archived) continue;
    const email = String(c.properties.email);
    if (emails.has(email)) duplicates.push(email);
    emails.add(email);
    byEmail.set(email, c.properties);
  }
  return { emails, duplicates, byEmail };
}
