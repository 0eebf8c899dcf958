/**
 * Pipedrive's error bodies. The v2 spec declares only 200 answers; the real service answers errors in its long-standing
 * shape `{success: false, error, error_info, data: null, additional_data: null}` (v1 clients parse `error` and
 * `error_info`), with `errorCode` repeating the HTTP status. Handlers throw {@link PipedriveApiError}.
 */

const ERROR_INFO = 'Please check developers.pipedrive.com for more information about Pipedrive API.';

export class PipedriveApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.error ?? `HTTP ${statusCode}`));
    this.name = 'PipedriveApiError';
  }
}

export function errorBody(status: number, error: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    success: false,
    error,
    errorCode: status,
    error_info: ERROR_INFO,
    data: null,
    additional_data: null,
    ...extra,
  };
}

export function apiError(status: number, error: string, extra: Record<string, unknown> = {}): PipedriveApiError {
  return new PipedriveApiError(status, errorBody(status, error, extra));
}

/** 400 for a request the API refuses; the message names the parameter and what is allowed. */
export function validationError(message: string): PipedriveApiError {
  return apiError(400, message);
}

export function notFoundError(what: string): PipedriveApiError {
  return apiError(404, `${what} not found`);
}

/** A wrong or missing token. */
export function unauthorizedError(): PipedriveApiError {
  return apiError(401, 'unauthorized access');
}

/**
 * A valid token without the route's scope. "Scope and URL mismatch" is the text Pipedrive answers OAuth apps with; the
 * list of scopes that would do is added so the message says what to grant.
 */
export function missingScopeError(scopes: readonly string[]): PipedriveApiError {
  return apiError(403, 'Scope and URL mismatch', {
    error_info: `This request needs one of the scopes: ${scopes.join(', ')}. ${ERROR_INFO}`,
  });
}
