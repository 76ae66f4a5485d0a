// A key's model controls, checked once the request names its model and before anything is quoted or
// fetched: the model must match one of the key's allowed globs (403 model_not_allowed), and each
// per-model limit whose glob it matches takes one request from its own allowance, counted per key
// and glob (`${keyId}:${glob}`) by the same limiter as the key's own limit (429 naming the model).

import { ApiError, apiErrors } from '../api/errors.ts';
import { allowedModels, type ApiKeyRecord, modelRequestLimits } from '../storage/db/api-keys.ts';
import { firstMatchingGlob, matchesModelGlob } from '../util/model-glob.ts';
import type { RateLimiter } from './rate-limit.ts';

export function keyAdmission(record: ApiKeyRecord, limiter: RateLimiter): (model: string) => Promise<void> {
  const allowed = allowedModels(record);
  const limits = Object.entries(modelRequestLimits(record));
  return async (model) => {
    if (allowed !== null && firstMatchingGlob(allowed, model) === undefined) throw apiErrors.modelNotAllowed(model);
    for (const [glob, perMinute] of limits) {
      if (!matchesModelGlob(glob, model)) continue;
      try {
        await limiter.take(`${record.id}:${glob}`, perMinute);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        throw apiErrors.rateLimitExceeded(Number(err.hints.retry_after), {
          message: `Rate limit reached for model '${model.slice(0, 100)}' on this key: ${perMinute} requests per minute. Please retry later.`,
          headers: err.headers,
        });
      }
    }
  };
}
