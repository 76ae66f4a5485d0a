// The error table is the one vocabulary: every code has a constructor that raises it with its row's
// status, type and retryable hint, and README.md's table and /openapi.json's error list are what the
// table generates.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ApiError, type ErrorCode, type ErrorCodeSpec, apiErrors, errorTypes, invalidRequestCodes } from '../../src/api/errors.ts';
import { buildOpenApiDocument } from '../../src/http/openapi.ts';
import { README, renderErrorTable, withErrorTable } from '../../scripts/error-docs.ts';

/** One call of each constructor; the `inPath` ones are the 404 variants of their code. */
const RAISED: Array<{ error: ApiError; inPath?: boolean }> = [
  ...invalidRequestCodes().map((code) => ({ error: apiErrors.invalidRequest('bad', 'field', code) })),
  { error: apiErrors.validationFailed([{ field: 'n', message: 'too many', code: 'invalid_value' }]) },
  { error: apiErrors.modelNotFound('nope', 400, 'gpt-image-2') },
  { error: apiErrors.modelNotFound('nope', 404), inPath: true },
  { error: apiErrors.invalidJson() },
  { error: apiErrors.invalidRequestFromFramework('Content-Length does not match the body.', 400) },
  { error: apiErrors.invalidMultipart('broken') },
  { error: apiErrors.tooManyFiles(1) },
  { error: apiErrors.unsupportedTaskCancel() },
  { error: apiErrors.upstreamRejected('the prompt is empty') },
  { error: apiErrors.contentPolicyViolation() },
  { error: apiErrors.invalidApiKey() },
  { error: apiErrors.invalidAdminToken() },
  { error: apiErrors.insufficientBalance('0.016', '0.01') },
  { error: apiErrors.quotaExceeded('0.016') },
  { error: apiErrors.budgetExceeded('0.016', 1_700_000_000) },
  { error: apiErrors.modelNotAllowed('dall-e-3') },
  { error: apiErrors.csrfTokenInvalid() },
  { error: apiErrors.routeNotFound('GET', '/nope?x=1') },
  { error: apiErrors.asyncTaskNotFound() },
  { error: apiErrors.fileNotFound('No file.'), inPath: true },
  { error: apiErrors.mediaNotFound() },
  { error: apiErrors.accountNotFound() },
  { error: apiErrors.apiKeyNotFound() },
  { error: apiErrors.taskNotFound() },
  { error: apiErrors.webhookDeliveryNotFound() },
  { error: apiErrors.methodNotAllowed('POST', 'POST it') },
  { error: apiErrors.taskClosed() },
  { error: apiErrors.inputExpired() },
  { error: apiErrors.idempotencyKeyReused() },
  { error: apiErrors.payloadTooLarge() },
  { error: apiErrors.unsupportedMediaType('application/json') },
  { error: apiErrors.rangeNotSatisfiable(10) },
  { error: apiErrors.rateLimitExceeded(7.2) },
  { error: apiErrors.clientClosedRequest() },
  { error: apiErrors.serverError() },
  { error: apiErrors.upstreamError() },
  { error: apiErrors.uncertainSubmit() },
  { error: apiErrors.allChannelsFailed() },
  { error: apiErrors.allChannelsFailed(5) },
  { error: apiErrors.channelUnavailable() },
  { error: apiErrors.databaseUnavailable() },
  { error: apiErrors.storageUnavailable() },
  { error: apiErrors.timeoutError() },
  { error: apiErrors.taskTimeout() },
];

describe('the error table', () => {
  it('has a constructor for every code', () => {
    const raised = new Set(RAISED.map((r) => r.error.code));
    expect(Object.keys(ERROR_CODES).filter((code) => !raised.has(code as ErrorCode))).toEqual([]);
  });

  it.each(RAISED.map((r) => [r.error.code, r] as const))('%s leaves with its row’s status, type and retryable hint', (_code, { error, inPath }) => {
    const spec: ErrorCodeSpec = ERROR_CODES[error.code!];
    const variant = inPath ? spec.inPath! : spec;
    expect({ status: error.status, type: error.type }).toEqual({ status: variant.status, type: variant.type });
    expect(error.toBody().error).toMatchObject({ code: error.code, type: variant.type });
    if (spec.retryable) expect(error.hints.retryable).toBe(true);
    else expect(error.hints).not.toHaveProperty('retryable');
  });

  it('says when not to retry a code that is usually retryable: a model no channel is configured for', () => {
    const error = apiErrors.noChannelConfigured('flux-pro');
    expect({ status: error.status, code: error.code, param: error.param, retryable: error.hints.retryable }).toEqual({ status: 503, code: 'all_channels_failed', param: 'model', retryable: false });
  });

  it('sends the same wait in Retry-After and retry_after, in whole seconds of at least one', () => {
    const limited = apiErrors.rateLimitExceeded(7.2, { headers: { 'x-ratelimit-remaining': '0' } });
    expect(limited.headers).toEqual({ 'retry-after': '8', 'x-ratelimit-remaining': '0' });
    expect(limited.hints).toEqual({ retryable: true, retry_after: 8 });
    expect(apiErrors.allChannelsFailed(0).headers['retry-after']).toBe('1');
  });

  it('keeps the 4xx status Fastify chose for its own refusals', () => {
    expect(apiErrors.invalidRequestFromFramework("'x' is exceeding the max param length", 414)).toMatchObject({ status: 414, code: 'invalid_request', type: 'invalid_request_error' });
  });

  it('does not call a 499 the client’s invalid request', () => {
    expect(apiErrors.clientClosedRequest().type).not.toBe('invalid_request_error');
  });
});

describe('generated documentation', () => {
  it('README.md’s error table is the one the table generates (node --import tsx scripts/error-docs.ts)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toContain(renderErrorTable());
    expect(withErrorTable(readme)).toBe(readme);
  });

  it('/openapi.json lists every code with its status, type and retryable, and enumerates types and codes', () => {
    const doc = buildOpenApiDocument('http://localhost') as { components: { schemas: { ApiError: Record<string, any> } } };
    const schema = doc.components.schemas.ApiError;
    const listed = schema['x-error-codes'] as Array<{ code: ErrorCode; status: number; type: string; retryable: boolean }>;
    for (const [code, spec] of Object.entries(ERROR_CODES) as Array<[ErrorCode, ErrorCodeSpec]>) {
      expect(listed).toContainEqual(expect.objectContaining({ code, status: spec.status, type: spec.type, retryable: spec.retryable }));
      if (spec.inPath) expect(listed).toContainEqual(expect.objectContaining({ code, status: spec.inPath.status, type: spec.inPath.type }));
    }
    expect(schema.properties.error.properties.type.enum).toEqual(errorTypes());
    expect(schema.properties.error.properties.code.enum).toEqual([...Object.keys(ERROR_CODES), null]);
  });
});
