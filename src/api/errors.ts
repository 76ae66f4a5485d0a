// One error type for the whole gateway. Everything a client sees as an error is an ApiError rendered
// into the TokenLab/OpenAI envelope: {"error":{"message","type","code","param",...hints}}.

export interface ValidationIssue {
  field: string;
  message: string;
  code?: string;
}

export interface ApiErrorInit {
  status: number;
  type: string;
  code?: string | null;
  param?: string | null;
  /** Agent hints and contract hints of tokenlab-api.md §2.9 (did_you_mean, allowed_aspect_ratios, ...). */
  hints?: Record<string, unknown>;
  validationErrors?: ValidationIssue[];
  /** Extra response headers (Retry-After, ...). */
  headers?: Record<string, string>;
}

export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string | null;
  readonly param: string | null;
  readonly hints: Record<string, unknown>;
  readonly validationErrors?: ValidationIssue[];
  readonly headers: Record<string, string>;

  constructor(message: string, init: ApiErrorInit) {
    super(message);
    this.name = 'ApiError';
    this.status = init.status;
    this.type = init.type;
    this.code = init.code ?? null;
    this.param = init.param ?? null;
    this.hints = init.hints ?? {};
    this.validationErrors = init.validationErrors;
    this.headers = init.headers ?? {};
  }

  toBody(): Record<string, unknown> {
    const body: Record<string, unknown> = {
      error: { message: this.message, type: this.type, code: this.code, param: this.param, ...this.hints },
    };
    if (this.validationErrors) body.validation_errors = this.validationErrors;
    return body;
  }
}

/** A 400 for one bad field; `validation_errors` always names it so agents can fix the request. */
export function invalidRequest(
  message: string,
  param: string | null,
  code = 'invalid_value',
  hints?: Record<string, unknown>,
): ApiError {
  return new ApiError(message, {
    status: 400,
    type: 'invalid_request_error',
    code,
    param,
    hints,
    validationErrors: param ? [{ field: param, message, code }] : undefined,
  });
}

/** A 400 listing every problem found in one pass; the first one is the headline. */
export function validationFailed(issues: ValidationIssue[], hints?: Record<string, unknown>): ApiError {
  const first = issues[0];
  return new ApiError(issues.length === 1 ? `${first.field}: ${first.message}` : `${first.field}: ${first.message} (and ${issues.length - 1} more)`, {
    status: 400,
    type: 'invalid_request_error',
    code: first.code ?? 'invalid_value',
    param: first.field,
    hints,
    validationErrors: issues,
  });
}

/** What a client is told to wait before retrying through a database outage. */
export const DATABASE_RETRY_AFTER_S = 2;

export const errors = {
  invalidApiKey: (message = 'Invalid API key provided') =>
    new ApiError(message, { status: 401, type: 'invalid_api_key', code: 'invalid_api_key' }),
  adminUnauthorized: () =>
    new ApiError('Invalid admin token', { status: 401, type: 'unauthorized', code: 'invalid_admin_token' }),
  modelNotFound: (model: string, status: 400 | 404, didYouMean?: string) =>
    new ApiError(
      didYouMean
        ? `The model '${model}' does not exist. Did you mean '${didYouMean}'?`
        : `The model '${model}' does not exist. See GET /v1/models?recommended_for=image.`,
      {
        status,
        type: 'invalid_request_error',
        code: 'model_not_found',
        param: 'model',
        hints: didYouMean ? { did_you_mean: didYouMean, suggestions: [{ id: didYouMean }] } : undefined,
        validationErrors: status === 400 ? [{ field: 'model', message: `Unknown model '${model}'`, code: 'model_not_found' }] : undefined,
      },
    ),
  notFound: (message = 'Not found', code = 'not_found') =>
    new ApiError(message, { status: 404, type: 'not_found_error', code }),
  payloadTooLarge: (message = 'Request body is too large', param: string | null = null) =>
    new ApiError(message, { status: 413, type: 'invalid_request_error', code: 'payload_too_large', param }),
  /** The SQL store cannot be reached (restarting, network cut): nothing was done, so a retry is safe. */
  databaseUnavailable: () =>
    new ApiError('The database is unavailable; nothing was charged. Please retry shortly.', {
      status: 503,
      type: 'server_error',
      code: 'database_unavailable',
      hints: { retryable: true },
      headers: { 'retry-after': String(DATABASE_RETRY_AFTER_S) },
    }),
  /** The client hung up before its answer was sent (nginx's 499); it reaches logs and usage, never the client. */
  clientClosedRequest: () =>
    new ApiError('The client went away before the image was ready; nothing was charged.', { status: 499, type: 'client_closed_request', code: 'client_closed_request' }),
  internal: () =>
    new ApiError('The server had an error while processing your request. Please retry, and quote the X-Request-ID if it persists.', {
      status: 500,
      type: 'server_error',
      code: 'server_error',
    }),
};
