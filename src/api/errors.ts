// One error vocabulary for the whole gateway. Everything a client sees as an error is an ApiError rendered
// into the TokenLab/OpenAI envelope: {"error":{"message","type","code","param",...hints}}.
//
// ERROR_CODES is the one list of codes: for each its HTTP status, its OpenAI/TokenLab `type`, whether a
// retry of the same request may succeed, and when it is sent. Each code is raised through a constructor
// of `apiErrors`, which takes status, type and `retryable` from its row, so a code cannot leave with
// another status or type. The README's error table (scripts/error-docs.ts) and /openapi.json's error
// list are generated from the same rows, so neither can drift from what the server sends.

/**
 * The `type` values of TokenLab's ApiError schema (tokenlab-api.md §2.9) that Easel sends, plus one of
 * its own: a 499 is not the client's mistake (not an `invalid_request_error`) and TokenLab has no type
 * for it, so it keeps nginx's name. A 499 is only recorded (task, log), never read by a client.
 */
export type ErrorType =
  | 'invalid_request_error'
  | 'invalid_api_key'
  | 'unauthorized'
  | 'insufficient_balance'
  | 'quota_exceeded'
  | 'not_found_error'
  | 'permission_error'
  | 'rate_limit_exceeded'
  | 'server_error'
  | 'upstream_error'
  | 'all_channels_failed'
  | 'timeout_error'
  | 'client_closed_request';

export type ErrorStatus = 400 | 401 | 402 | 403 | 404 | 405 | 409 | 410 | 413 | 415 | 416 | 422 | 429 | 499 | 500 | 502 | 503 | 504;

export interface ErrorCodeSpec {
  readonly status: ErrorStatus;
  readonly type: ErrorType;
  /** A retry of the same request may succeed; sent as the `retryable: true` hint. */
  readonly retryable: boolean;
  /** When the code is sent (the README's "when" column). */
  readonly when: string;
  /**
   * The same fault when the missing thing is named by the URL path (`GET /v1/models/{id}`,
   * `/v1/files/{id}`) rather than by a field of the request body: a 404 of this type.
   */
  readonly inPath?: { readonly status: 404; readonly type: ErrorType };
  /** Fastify's own 4xx answers keep the status Fastify chose (e.g. 414 for an over-long path parameter). */
  readonly keepsFrameworkStatus?: true;
}

export const ERROR_CODES = {
  // 400: the request itself is wrong; sent again unchanged it fails again.
  invalid_value: { status: 400, type: 'invalid_request_error', retryable: false, when: "a field breaks the model's contract (`param` names it)" },
  unsupported_parameter: { status: 400, type: 'invalid_request_error', retryable: false, when: 'a field the model (or endpoint) does not take (`param` names it)' },
  missing_required_parameter: { status: 400, type: 'invalid_request_error', retryable: false, when: 'a required field is missing (`param` names it)' },
  too_many_images: { status: 400, type: 'invalid_request_error', retryable: false, when: 'more input images than the model takes (Grok: 3)' },
  unsupported_operation: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    when: 'a model on the wrong endpoint (Nano Banana edits go to `/v1/images/generations` with `operation:"image-to-image"`); `alternatives` lists models that serve it',
  },
  model_not_found: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    when: 'unknown model: 400 in a request (`did_you_mean` suggests a close id), 404 on `GET /v1/models/{id}`',
    inPath: { status: 404, type: 'invalid_request_error' },
  },
  invalid_json: { status: 400, type: 'invalid_request_error', retryable: false, when: 'the body is not a JSON object' },
  invalid_request: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    when: 'a request the HTTP layer refused, with its own status: 400 bad Content-Length, path encoding or HTTP; 408 head not sent in time; 414 path parameter too long; 431 headers too large',
    keepsFrameworkStatus: true,
  },
  invalid_multipart: { status: 400, type: 'invalid_request_error', retryable: false, when: 'a multipart/form-data body that cannot be read' },
  too_many_files: { status: 400, type: 'invalid_request_error', retryable: false, when: 'more file parts than a multipart upload takes' },
  invalid_image_url: { status: 400, type: 'invalid_request_error', retryable: false, when: 'an input image URL is not public http(s), or a data URL is not PNG/JPEG/WebP (`param` names it, e.g. `image_urls[1]`)' },
  image_fetch_failed: { status: 400, type: 'invalid_request_error', retryable: false, when: 'an input image URL could not be fetched (`param` names it)' },
  unsupported_image_type: { status: 400, type: 'invalid_request_error', retryable: false, when: 'an input image is not PNG/JPEG/WebP, or not a format the model takes (`param` names it)' },
  invalid_image_dimensions: { status: 400, type: 'invalid_request_error', retryable: false, when: 'an input image or mask of a shape the model does not take (square only; mask the size of the image)' },
  file_not_found: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    when: "no such file for this account (another account's file looks the same): 400 for a `file_id` in a request, 404 on `/v1/files/{id}`",
    inPath: { status: 404, type: 'not_found_error' },
  },
  file_model_mismatch: { status: 400, type: 'invalid_request_error', retryable: false, when: 'a `file_id` uploaded for another model' },
  unsupported_purpose: { status: 400, type: 'invalid_request_error', retryable: false, when: 'a file upload with a purpose Easel does not serve (Batch API purposes)' },
  unsupported_task_cancel: { status: 400, type: 'invalid_request_error', retryable: false, when: '`DELETE /v1/tasks/{id}`: image tasks cannot be cancelled' },
  webhook_secret_required: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    when: 'a create names a `callback_url` but the account has no webhook signing secret yet: `POST /v1/webhooks/secret` first',
  },
  upstream_rejected: { status: 400, type: 'invalid_request_error', retryable: false, when: 'the provider refused the request itself (not retried elsewhere)' },
  content_policy_violation: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    when: "the provider's safety system refused the request (one code for every provider)",
  },

  // 401, 402: the credential or the money.
  invalid_api_key: { status: 401, type: 'invalid_api_key', retryable: false, when: 'key missing, wrong or revoked' },
  invalid_admin_token: { status: 401, type: 'unauthorized', retryable: false, when: 'the admin token is missing or wrong (`/admin/v1/...`, `/metrics`)' },
  insufficient_balance: { status: 402, type: 'insufficient_balance', retryable: false, when: 'the quote exceeds the balance (`balance_usd`, `estimated_cost_usd`)' },
  quota_exceeded: { status: 402, type: 'quota_exceeded', retryable: false, when: "the quote exceeds the key's spend limit" },
  budget_exceeded: {
    status: 402,
    type: 'quota_exceeded',
    retryable: false,
    when: "the quote and this period's spend exceed the key's budget (daily or monthly, UTC); `budget_resets_at` says when it is whole again",
  },

  // 403: the key may not do this, however the request is written.
  model_not_allowed: { status: 403, type: 'permission_error', retryable: false, when: "the model matches none of the key's `allowed_models` globs (`param`: `model`)" },
  csrf_token_invalid: { status: 403, type: 'permission_error', retryable: false, when: 'a console session (cookie) sent a request that is not a GET without its `X-Easel-CSRF` token; Bearer requests never need one' },

  // 404, 405, 409, 410: the thing asked for is not (or no longer) there, or not that way.
  route_not_found: { status: 404, type: 'not_found_error', retryable: false, when: 'no such route' },
  async_task_not_found: { status: 404, type: 'invalid_request_error', retryable: false, when: 'no such task (or not yours, or expired)' },
  media_not_found: { status: 404, type: 'not_found_error', retryable: false, when: 'no such image under `/media/...`' },
  account_not_found: { status: 404, type: 'not_found_error', retryable: false, when: 'admin: no such account' },
  api_key_not_found: { status: 404, type: 'not_found_error', retryable: false, when: 'admin: no such API key' },
  task_not_found: { status: 404, type: 'not_found_error', retryable: false, when: 'admin: no such task' },
  webhook_delivery_not_found: { status: 404, type: 'not_found_error', retryable: false, when: "no such webhook delivery for this account (another account's looks the same)" },
  method_not_allowed: { status: 405, type: 'invalid_request_error', retryable: false, when: 'GET or DELETE on `/mcp`, which keeps no sessions: POST its JSON-RPC messages (`Allow` names the method)' },
  task_closed: { status: 409, type: 'invalid_request_error', retryable: false, when: 'the task was closed elsewhere (a timeout sweep, another worker) first; theirs is the outcome' },
  input_expired: { status: 410, type: 'invalid_request_error', retryable: false, when: 'an input image of a task is no longer stored' },

  // 413, 415: the body's size or kind; 416: a byte range past the end.
  payload_too_large: { status: 413, type: 'invalid_request_error', retryable: false, when: 'body, upload or fetched image over its limit (50 MiB per image, 200 MiB fetched per request)' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error', retryable: false, when: 'not JSON (or not multipart/form-data where uploads go)' },
  range_not_satisfiable: {
    status: 416,
    type: 'invalid_request_error',
    retryable: false,
    when: 'a `Range` on `/media/...` that starts past the image\'s end (`Content-Range: bytes */size` gives its size)',
  },

  // 422: an Idempotency-Key already spent on another request.
  idempotency_key_reused: {
    status: 422,
    type: 'invalid_request_error',
    retryable: false,
    when: 'the `Idempotency-Key` was sent by this account in the last 24 h with a different request (body, files or endpoint); send a new key',
  },

  // 429, 499
  rate_limit_exceeded: {
    status: 429,
    type: 'rate_limit_exceeded',
    retryable: true,
    when: "the key's requests per minute are spent, or every channel for the model is rate limited (`Retry-After`)",
  },
  client_closed_request: {
    status: 499,
    type: 'client_closed_request',
    retryable: false,
    when: 'recorded (task, log) when the client hung up before its answer; nothing is charged',
  },

  // 5xx: Easel or the provider failed.
  server_error: { status: 500, type: 'server_error', retryable: false, when: 'a bug: no internals are returned; quote `X-Request-ID`' },
  upstream_error: { status: 502, type: 'upstream_error', retryable: true, when: 'the provider failed, returned no image, or its result could not be fetched' },
  uncertain_submit: {
    status: 502,
    type: 'upstream_error',
    retryable: false,
    when: 'a task whose submit a crash cut off, on a channel with `on_uncertain_submit: fail` (refunded)',
  },
  all_channels_failed: { status: 503, type: 'all_channels_failed', retryable: true, when: 'no channel could serve the model (`Retry-After`); not `retryable` when none is configured for it' },
  channel_unavailable: { status: 503, type: 'all_channels_failed', retryable: false, when: 'the channel that ran a task is no longer configured' },
  database_unavailable: {
    status: 503,
    type: 'server_error',
    retryable: true,
    when: 'the database cannot be reached; nothing was done or charged (`Retry-After`)',
  },
  storage_unavailable: {
    status: 503,
    type: 'server_error',
    retryable: true,
    when: 'the image store failed: a generated image could not be stored (no URL is returned, nothing is charged), an upload not kept, a stored image not read',
  },
  timeout_error: { status: 504, type: 'timeout_error', retryable: true, when: 'the provider did not answer in time' },
  task_timeout: { status: 504, type: 'timeout_error', retryable: false, when: "a task did not finish by its channel's `task_timeout_ms`" },
} as const satisfies Record<string, ErrorCodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One status a code is sent with, and its type there: a code with a path variant has two. */
export interface ErrorVariant {
  code: ErrorCode;
  status: ErrorStatus;
  type: ErrorType;
  retryable: boolean;
  when: string;
}

/** The table flattened to one entry per code and status, in table order (/openapi.json's x-error-codes). */
export function errorVariants(): ErrorVariant[] {
  return (Object.entries(ERROR_CODES) as Array<[ErrorCode, ErrorCodeSpec]>).flatMap(([code, spec]) => [
    { code, status: spec.status, type: spec.type, retryable: spec.retryable, when: spec.when },
    ...(spec.inPath ? [{ code, status: spec.inPath.status, type: spec.inPath.type, retryable: spec.retryable, when: spec.when }] : []),
  ]);
}

/** Every `type` Easel sends, in table order. */
export function errorTypes(): ErrorType[] {
  return [...new Set(errorVariants().map((v) => v.type))];
}

/** The codes a validation issue may carry (InvalidRequestCode), in table order. */
export function invalidRequestCodes(): InvalidRequestCode[] {
  return errorVariants()
    .filter((v) => v.status === 400 && v.type === 'invalid_request_error')
    .map((v) => v.code as InvalidRequestCode);
}

/** Codes of a 400 `invalid_request_error`: the ones a validation issue (or one bad field) may carry. */
export type InvalidRequestCode = {
  [C in ErrorCode]: (typeof ERROR_CODES)[C] extends { status: 400; type: 'invalid_request_error' } ? C : never;
}[ErrorCode];

export interface ValidationIssue {
  field: string;
  message: string;
  code?: InvalidRequestCode;
}

export interface ApiErrorInit {
  status: number;
  type: ErrorType;
  code?: ErrorCode | null;
  param?: string | null;
  /** Agent hints and contract hints of tokenlab-api.md §2.9 (did_you_mean, allowed_aspect_ratios, ...). */
  hints?: Record<string, unknown>;
  validationErrors?: ValidationIssue[];
  /** Extra response headers (Retry-After, ...). */
  headers?: Record<string, string>;
}

/**
 * Raise errors through `apiErrors`, which takes status and type from ERROR_CODES. The constructor is
 * open only until the last sites that spell `new ApiError(` out are converted.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly code: ErrorCode | null;
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

interface Details {
  param?: string | null;
  hints?: Record<string, unknown>;
  validationErrors?: ValidationIssue[];
  headers?: Record<string, string>;
  /** The code's path variant (ErrorCodeSpec.inPath). */
  inPath?: boolean;
  /** The status Fastify chose, for a code that keeps it (ErrorCodeSpec.keepsFrameworkStatus). */
  frameworkStatus?: number;
  /** This one instance of a code that is retryable in general is not (says `retryable: false`). */
  notRetryable?: true;
}

/** The one place an ApiError is made from its row: status, type and the `retryable` hint come from the table. */
function raise(code: ErrorCode, message: string, details: Details = {}): ApiError {
  const spec: ErrorCodeSpec = ERROR_CODES[code];
  const variant = details.inPath && spec.inPath ? spec.inPath : spec;
  const retryable = details.notRetryable ? { retryable: false } : spec.retryable ? { retryable: true } : undefined;
  return new ApiError(message, {
    status: spec.keepsFrameworkStatus && details.frameworkStatus !== undefined ? details.frameworkStatus : variant.status,
    type: variant.type,
    code,
    param: details.param,
    hints: retryable ? { ...retryable, ...details.hints } : details.hints,
    validationErrors: details.validationErrors,
    headers: details.headers,
  });
}

/** Retry-After and `retry_after` say the same wait, in whole seconds, at least one. */
function retryAfter(seconds: number): { hints: Record<string, unknown>; headers: Record<string, string> } {
  const s = Math.max(1, Math.ceil(seconds));
  return { hints: { retry_after: s }, headers: { 'retry-after': String(s) } };
}

/** What a client is told to wait before retrying through a database outage. */
const DATABASE_RETRY_AFTER_S = 2;

/** A 400 for one bad field; `validation_errors` always names it so agents can fix the request. */
function invalidRequest(message: string, param: string | null, code: InvalidRequestCode = 'invalid_value', hints?: Record<string, unknown>): ApiError {
  return raise(code, message, { param, hints, validationErrors: param ? [{ field: param, message, code }] : undefined });
}

/** A 400 listing every problem found in one pass; the first one is the headline. */
function validationFailed(issues: ValidationIssue[], hints?: Record<string, unknown>): ApiError {
  const first = issues[0];
  const message = issues.length === 1 ? `${first.field}: ${first.message}` : `${first.field}: ${first.message} (and ${issues.length - 1} more)`;
  return raise(first.code ?? 'invalid_value', message, { param: first.field, hints, validationErrors: issues });
}

export const apiErrors = {
  // 400
  invalidRequest,
  validationFailed,
  modelNotFound: (model: string, status: 400 | 404, didYouMean?: string) =>
    raise(
      'model_not_found',
      didYouMean
        ? `The model '${model}' does not exist. Did you mean '${didYouMean}'?`
        : `The model '${model}' does not exist. See GET /v1/models?recommended_for=image.`,
      {
        inPath: status === 404,
        param: 'model',
        hints: didYouMean ? { did_you_mean: didYouMean, suggestions: [{ id: didYouMean }] } : undefined,
        validationErrors: status === 400 ? [{ field: 'model', message: `Unknown model '${model}'`, code: 'model_not_found' }] : undefined,
      },
    ),
  invalidJson: (message = 'The request body is not valid JSON.') => raise('invalid_json', message),
  /** A 4xx of Fastify's own (malformed headers, an over-long path parameter): its message is safe, its status kept. */
  invalidRequestFromFramework: (message: string, status: number) => raise('invalid_request', message, { frameworkStatus: status }),
  invalidMultipart: (message: string) => raise('invalid_multipart', message),
  tooManyFiles: (maxFiles: number) => raise('too_many_files', `At most ${maxFiles} file${maxFiles === 1 ? '' : 's'} may be sent.`),
  unsupportedTaskCancel: () => raise('unsupported_task_cancel', 'Image tasks cannot be cancelled.'),
  /** `upstreamMessage` is the adapter's scrubbed summary, never the upstream body. */
  upstreamRejected: (upstreamMessage: string) => raise('upstream_rejected', `The image provider rejected the request: ${upstreamMessage}`),
  contentPolicyViolation: () => raise('content_policy_violation', 'The request was rejected by the content safety system of the image provider.'),

  // 401, 402
  invalidApiKey: (message = 'Invalid API key provided') => raise('invalid_api_key', message),
  invalidAdminToken: () => raise('invalid_admin_token', 'Invalid admin token'),
  /** Amounts as formatted dollars (billing's formatUsd), so the message and the hints say the same. */
  insufficientBalance: (estimatedCostUsd: string, balanceUsd: string) =>
    raise('insufficient_balance', `Insufficient balance: this request may cost up to $${estimatedCostUsd} and the account has $${balanceUsd}.`, {
      hints: { balance_usd: Number(balanceUsd), estimated_cost_usd: Number(estimatedCostUsd) },
    }),
  quotaExceeded: (estimatedCostUsd: string) =>
    raise('quota_exceeded', "This API key's spend limit is reached.", { hints: { estimated_cost_usd: Number(estimatedCostUsd) } }),
  /** `resetsAt`: unix seconds when the key's budget period ends. */
  budgetExceeded: (estimatedCostUsd: string, resetsAt: number) =>
    raise('budget_exceeded', "This API key's budget for the period is spent.", { hints: { estimated_cost_usd: Number(estimatedCostUsd), budget_resets_at: resetsAt } }),

  // 403
  modelNotAllowed: (model: string) =>
    raise('model_not_allowed', `This API key may not use the model '${model.slice(0, 100)}'.`, { param: 'model' }),
  csrfTokenInvalid: () => raise('csrf_token_invalid', 'This console session needs its X-Easel-CSRF header on requests that change something; reload the console.'),

  // 404, 405, 409, 410
  routeNotFound: (method: string, url: string) => raise('route_not_found', `No route for ${method} ${url.split('?')[0]}`),
  asyncTaskNotFound: () => raise('async_task_not_found', 'Task not found or no longer available.'),
  /** `/v1/files/{id}` and its content; a `file_id` in a request body is `invalidRequest(..., 'file_not_found')`. */
  fileNotFound: (message: string) => raise('file_not_found', message, { inPath: true }),
  mediaNotFound: () => raise('media_not_found', 'Image not found.'),
  accountNotFound: () => raise('account_not_found', 'Account not found.'),
  apiKeyNotFound: () => raise('api_key_not_found', 'API key not found.'),
  taskNotFound: () => raise('task_not_found', 'Task not found.'),
  webhookDeliveryNotFound: () => raise('webhook_delivery_not_found', 'Webhook delivery not found.'),
  methodNotAllowed: (allow: string, message: string) => raise('method_not_allowed', message, { headers: { allow } }),
  taskClosed: () => raise('task_closed', 'The task was closed elsewhere.'),
  inputExpired: () => raise('input_expired', 'An input image of this task is no longer available.'),

  // 413, 415, 416
  payloadTooLarge: (message = 'Request body is too large', param: string | null = null) => raise('payload_too_large', message, { param }),
  unsupportedMediaType: (expected: 'application/json' | 'multipart/form-data') =>
    raise(
      'unsupported_media_type',
      expected === 'multipart/form-data' ? 'Send this request as multipart/form-data.' : 'Unsupported Content-Type. Send application/json.',
    ),
  // The size goes out in Content-Range (`bytes */<size>`), so the client learns where the image ends.
  rangeNotSatisfiable: (size: number) =>
    raise('range_not_satisfiable', `The requested range is not satisfiable: the image is ${size} bytes.`, { headers: { 'content-range': `bytes */${size}` } }),

  // 422
  idempotencyKeyReused: () =>
    raise('idempotency_key_reused', 'This Idempotency-Key was already used with a different request. Send a new key for a new request.', { param: 'Idempotency-Key' }),

  // 429, 499
  /** `headers` adds what the limiter knows (X-RateLimit-*); Retry-After and `retry_after` come from `retryAfterS`. */
  rateLimitExceeded: (retryAfterS: number, opts: { message?: string; headers?: Record<string, string> } = {}) => {
    const wait = retryAfter(retryAfterS);
    return raise('rate_limit_exceeded', opts.message ?? 'Rate limit exceeded. Please retry later.', { hints: wait.hints, headers: { ...wait.headers, ...opts.headers } });
  },
  /** The client hung up before its answer was sent (nginx's 499); it reaches logs and usage, never the client. */
  clientClosedRequest: () => raise('client_closed_request', 'The client went away before the image was ready; nothing was charged.'),

  /**
   * A failure a task recorded (`{code, message}`), raised again for a retry under the same
   * Idempotency-Key, which gets the first answer (marked replayed). A code no longer in the table is a 500.
   */
  replayed: (code: string, message: string) =>
    raise(Object.hasOwn(ERROR_CODES, code) ? (code as ErrorCode) : 'server_error', message, { headers: { 'idempotent-replayed': 'true' } }),

  // 5xx
  serverError: (message = 'The server had an error while processing your request. Please retry, and quote the X-Request-ID if it persists.') =>
    raise('server_error', message),
  upstreamError: (message = 'The image provider failed to produce the image.') => raise('upstream_error', message),
  uncertainSubmit: () =>
    raise('uncertain_submit', 'The image task was interrupted while it was being submitted, and the provider cannot say whether it arrived; nothing was charged.'),
  /** Every channel failed or is cooling down; without `retryAfterS` no channel was tried at all. */
  allChannelsFailed: (retryAfterS?: number) =>
    retryAfterS === undefined
      ? raise('all_channels_failed', 'No channel could take the request.')
      : raise('all_channels_failed', 'No healthy channel can serve this model right now. The model is temporarily unavailable; please retry.', retryAfter(retryAfterS)),
  /** The model is in the catalogue but no channel serves it: configuration, so a retry cannot help. */
  noChannelConfigured: (modelId: string) =>
    raise('all_channels_failed', `No channel is configured for model '${modelId}'.`, { param: 'model', notRetryable: true }),
  channelUnavailable: () => raise('channel_unavailable', 'The channel that ran this task is no longer configured.'),
  /** The SQL store cannot be reached (restarting, network cut): nothing was done, so a retry is safe. */
  databaseUnavailable: () =>
    raise('database_unavailable', 'The database is unavailable; nothing was charged. Please retry shortly.', {
      headers: { 'retry-after': String(DATABASE_RETRY_AFTER_S) },
    }),
  storageUnavailable: (message = 'The generated image could not be stored, so no URL can be returned. Please retry.') => raise('storage_unavailable', message),
  timeoutError: () => raise('timeout_error', 'The image provider did not answer in time.'),
  taskTimeout: () => raise('task_timeout', 'The image task did not finish in time.'),
};
