/**
 * HubSpot's error bodies. Handlers throw {@link HubspotApiError}; the server's error handler adds the request's
 * correlationId and sends the body, so every error answer has the `Error` schema shape of the official spec.
 */

/** Inner entry of a "Property values were not valid: [...]" message (the format HubSpot embeds as JSON text). */
export interface PropertyValueError {
  isValid: false;
  message: string;
  /** PROPERTY_DOESNT_EXIST, INVALID_EMAIL, INVALID_OPTION, READ_ONLY_VALUE, INVALID_INTEGER, … */
  error: string;
  name: string;
  localizedErrorMessage: string;
  portalId: number;
}

/** An error answer: HTTP status plus the body without correlationId (added when sent). */
export class HubspotApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.message ?? `HTTP ${statusCode}`));
    this.name = 'HubspotApiError';
  }
}

/** A top-level error body in HubSpot's shape. */
export function errorBody(
  category: string,
  message: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { status: 'error', message, ...extra, category };
}

export function validationError(message: string, extra: Record<string, unknown> = {}): HubspotApiError {
  return new HubspotApiError(400, errorBody('VALIDATION_ERROR', message, extra));
}

export function propertyValueError(name: string, error: string, message: string, portalId: number): PropertyValueError {
  return { isValid: false, message, error, name, localizedErrorMessage: message, portalId };
}

/** 400 VALIDATION_ERROR whose message embeds the invalid values as JSON, as HubSpot does. */
export function propertyValuesError(errors: PropertyValueError[]): HubspotApiError {
  return validationError(`Property values were not valid: ${JSON.stringify(errors)}`);
}

export function conflictError(existingId: string): HubspotApiError {
  return new HubspotApiError(409, errorBody('CONFLICT', `Contact already exists. Existing ID: ${existingId}`));
}

export function batchTooLargeError(): HubspotApiError {
  return validationError(
    'The maximum number of inputs supported in a batch is 100. Please reduce the number of items and try again',
  );
}

export function notFoundError(message: string, context?: Record<string, string[]>): HubspotApiError {
  return new HubspotApiError(404, errorBody('OBJECT_NOT_FOUND', message, context ? { context } : {}));
}

/**
 * One failed input of a batch in the spec's `StandardError` shape (it requires `context`, `errors` and `links`).
 * `objectWriteTraceId` is echoed in `context` so clients can match failures to their inputs.
 */
export function standardError(error: HubspotApiError, context: Record<string, string[]> = {}): Record<string, unknown> {
  const { status: _status, correlationId: _c, context: bodyContext, ...rest } = error.body;
  return {
    status: 'error',
    category: rest.category,
    message: rest.message,
    context: { ...(bodyContext as Record<string, string[]> | undefined), ...context },
    errors: [],
    links: {},
  };
}
