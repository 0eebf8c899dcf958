/**
 * Which Pipedrive this step writes to: the company of the token, from v1 `users/me` (v2 has no such route), so the
 * ledger is bound to the company whatever the URL (api.pipedrive.com or <company>.pipedrive.com). A token that may not
 * read users/me (no `base` scope) names the destination by base URL and a salted hash of the token instead.
 */
import { EtlError, type StepContext } from '@etl/core';
import type { PipedriveClient } from './client.js';
import type { PipedriveConfig } from './config.js';
import { COST } from './limits.js';

export interface Company {
  id: string;
  label: string;
  baseUrl: string;
  companyId?: number;
  note?: string;
}

export async function readCompany(
  ctx: StepContext,
  client: PipedriveClient,
  config: PipedriveConfig,
): Promise<Company> {
  const baseUrl = config.baseUrl.replace(/\/+$/, '');
  try {
    const { data } = await client.request<{ company_id?: unknown; company_domain?: unknown }>({
      method: 'GET',
      url: '/api/v1/users/me',
      cost: COST.me,
      retries: 'client',
    });
    const companyId = Number(data.data?.company_id);
    if (Number.isSafeInteger(companyId) && companyId > 0) {
      const domain = typeof data.data.company_domain === 'string' ? ` (${data.data.company_domain})` : '';
      return {
        id: `pipedrive:company:${companyId}`,
        label: `Pipedrive company ${companyId}${domain} at ${baseUrl}`,
        baseUrl,
        companyId,
      };
    }
  } catch (error) {
    if (!(error instanceof EtlError && error.code === 'PIPEDRIVE_MISSING_SCOPE')) throw error;
  }
  const token = config.apiToken ?? config.oauthToken ?? '';
  return {
    id: `pipedrive:${baseUrl}:token:${ctx.hashSecret(token)}`,
    label: `Pipedrive at ${baseUrl}`,
    baseUrl,
    note: 'The Pipedrive company id is unknown (users/me could not be read), so the destination is named by the base URL and a salted hash of the token: another token counts as a new destination.',
  };
}
