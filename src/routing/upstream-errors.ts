// What the client sees when every attempt failed. Upstream bodies, keys and URLs never reach it: the
// message says what kind of failure happened, not what the upstream said.

import { ApiError } from '../api/errors.ts';
import type { UpstreamError } from '../providers/types.ts';

/** One code for a content-policy refusal, whatever the provider (documented in the README). */
export const MODERATION_CODE = 'content_policy_violation';

export function toApiError(failures: UpstreamError[]): ApiError {
  const last = failures[failures.length - 1];
  if (!last) {
    return new ApiError('No channel could take the request.', { status: 503, type: 'all_channels_failed', code: 'all_channels_failed', hints: { retryable: true } });
  }
  switch (last.kind) {
    case 'moderated':
      return new ApiError('The request was rejected by the content safety system of the image provider.', {
        status: 400,
        type: 'invalid_request_error',
        code: MODERATION_CODE,
      });
    case 'bad_request':
      return new ApiError(`The image provider rejected the request: ${last.message}`, {
        status: 400,
        type: 'invalid_request_error',
        code: 'upstream_rejected',
      });
    case 'timeout':
      return new ApiError('The image provider did not answer in time.', {
        status: 504,
        type: 'timeout_error',
        code: 'timeout_error',
        hints: { retryable: true },
      });
    case 'rate_limited': {
      if (failures.every((f) => f.kind === 'rate_limited')) {
        const retryAfter = Math.max(1, Math.ceil(Math.max(...failures.map((f) => f.retryAfterMs ?? 1000)) / 1000));
        return new ApiError('Every channel for this model is rate limited. Please retry later.', {
          status: 429,
          type: 'rate_limit_exceeded',
          code: 'rate_limit_exceeded',
          hints: { retryable: true, retry_after: retryAfter },
          headers: { 'retry-after': String(retryAfter) },
        });
      }
      return allChannelsFailed(5);
    }
    default:
      return failures.length > 1 ? allChannelsFailed(5) : new ApiError('The image provider failed to produce the image.', {
        status: 502,
        type: 'upstream_error',
        code: 'upstream_error',
        hints: { retryable: true },
      });
  }
}

export function allChannelsFailed(retryAfterSeconds: number): ApiError {
  const retryAfter = Math.max(1, retryAfterSeconds);
  return new ApiError('No healthy channel can serve this model right now. The model is temporarily unavailable; please retry.', {
    status: 503,
    type: 'all_channels_failed',
    code: 'all_channels_failed',
    hints: { retryable: true, retry_after: retryAfter },
    headers: { 'retry-after': String(retryAfter) },
  });
}
