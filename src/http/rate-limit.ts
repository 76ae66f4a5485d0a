// Requests per API key per minute (tokenlab-api.md §5.6). Two limiters answer alike: this one counts
// in a fixed one-minute window in this process (the default, and the fallback while Redis is away);
// rate-limit-redis.ts shares one sliding minute between every replica through Redis.

import { apiErrors, type ApiError } from '../api/errors.ts';

export const WINDOW_MS = 60_000;

/**
 * Takes one request from a key's allowance, or throws 429 rate_limit_exceeded once it is spent.
 * `perMinute` overrides the limiter's own limit for this id (a key's requests_per_minute, a per-model limit).
 */
export interface RateLimiter {
  take(keyId: string, perMinute?: number): void | Promise<void>;
}

/** The 429 of a spent allowance: Retry-After until `resetMs`, and the X-RateLimit-* headers. */
export function limitExceeded(limit: number, resetMs: number, nowMs: number): ApiError {
  return apiErrors.rateLimitExceeded((resetMs - nowMs) / 1000, {
    headers: {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(Math.floor(resetMs / 1000)),
    },
  });
}

export class KeyRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request of the key; throws 429 rate_limit_exceeded once the window's allowance is spent. */
  take(keyId: string, perMinute = this.perMinute): void {
    if (perMinute <= 0) return;
    const now = this.now();
    const start = now - (now % WINDOW_MS);
    let window = this.windows.get(keyId);
    if (!window || window.start !== start) {
      if (this.windows.size > 100_000) this.forgetOld(start);
      window = { start, count: 0 };
      this.windows.set(keyId, window);
    }
    window.count += 1;
    if (window.count <= perMinute) return;
    throw limitExceeded(perMinute, start + WINDOW_MS, now);
  }

  private forgetOld(current: number): void {
    for (const [key, window] of this.windows) if (window.start !== current) this.windows.delete(key);
  }
}
