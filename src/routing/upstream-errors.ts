// What the client sees when every attempt failed. Upstream bodies, keys and URLs never reach it: the
// message says what kind of failure happened, not what the upstream said.

import { type ApiError, apiErrors } from '../api/errors.ts';
import type { UpstreamError } from '../providers/types.ts';

/** How long a client is told to wait when several channels failed in different ways. */
const MIXED_FAILURES_RETRY_AFTER_S = 5;

export function toApiError(failures: UpstreamError[]): ApiError {
  const last = failures[failures.length - 1];
  if (!last) return apiErrors.allChannelsFailed();
  switch (last.kind) {
    case 'moderated':
      return apiErrors.contentPolicyViolation();
    case 'bad_request':
      return apiErrors.upstreamRejected(last.message);
    case 'timeout':
      return apiErrors.timeoutError();
    case 'rate_limited': {
      if (failures.every((f) => f.kind === 'rate_limited')) {
        const waitMs = Math.max(...failures.map((f) => f.retryAfterMs ?? 1000));
        return everyChannelRateLimited(waitMs);
      }
      return apiErrors.allChannelsFailed(MIXED_FAILURES_RETRY_AFTER_S);
    }
    default:
      return failures.length > 1 ? apiErrors.allChannelsFailed(MIXED_FAILURES_RETRY_AFTER_S) : apiErrors.upstreamError();
  }
}

/** 429 with Retry-After: every channel for the model is rate limited upstream, now or still resting from it. */
export function everyChannelRateLimited(waitMs: number): ApiError {
  return apiErrors.rateLimitExceeded(waitMs / 1000, { message: 'Every channel for this model is rate limited. Please retry later.' });
}
