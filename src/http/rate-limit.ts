// Requests per API key per minute (tokenlab-api.md §5.6), counted in a fixed one-minute window in
// this process. Several replicas each count their own share; shared counters (Redis) come later.

import { apiErrors } from '../api/errors.ts';

const WINDOW_MS = 60_000;

export class KeyRateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request of the key; throws 429 rate_limit_exceeded once the window's allowance is spent. */
  take(keyId: string): void {
    if (this.perMinute <= 0) return;
    const now = this.now();
    const start = now - (now % WINDOW_MS);
    let window = this.windows.get(keyId);
    if (!window || window.start !== start) {
      if (this.windows.size > 100_000) this.forgetOld(start);
      window = { start, count: 0 };
      this.windows.set(keyId, window);
    }
    window.count += 1;
    if (window.count <= this.perMinute) return;
    const reset = start + WINDOW_MS;
    throw apiErrors.rateLimitExceeded((reset - now) / 1000, {
      headers: {
        'x-ratelimit-limit': String(this.perMinute),
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.floor(reset / 1000)),
      },
    });
  }

  private forgetOld(current: number): void {
    for (const [key, window] of this.windows) if (window.start !== current) this.windows.delete(key);
  }
}
