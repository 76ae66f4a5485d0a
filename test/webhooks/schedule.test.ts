// The retry schedule: exponential backoff with equal jitter, capped; Retry-After honoured up to the cap;
// nothing scheduled past the window; final failures final.

import { describe, expect, it } from 'vitest';
import { nextStep, retryDelayMs } from '../../src/webhooks/schedule.ts';

const cfg = { first_retry_ms: 5_000, max_retry_ms: 3_600_000 };

describe('webhook retry schedule', () => {
  it('doubles from the first wait to the cap, each wait in the upper half of its nominal value', () => {
    for (let failures = 1; failures <= 20; failures++) {
      const nominal = Math.min(cfg.max_retry_ms, cfg.first_retry_ms * 2 ** (failures - 1));
      expect(retryDelayMs(failures, cfg, () => 0)).toBe(nominal / 2);
      expect(retryDelayMs(failures, cfg, () => 0.999999)).toBeCloseTo(nominal, -1);
      const drawn = retryDelayMs(failures, cfg);
      expect(drawn).toBeGreaterThanOrEqual(nominal / 2);
      expect(drawn).toBeLessThanOrEqual(nominal);
    }
    expect(retryDelayMs(1000, cfg, () => 1)).toBe(cfg.max_retry_ms);
  });

  it('spreads receivers that failed together', () => {
    const waits = new Set(Array.from({ length: 50 }, () => retryDelayMs(6, cfg)));
    expect(waits.size).toBeGreaterThan(40);
  });

  it('delivered on success; dead on 410 or nothing to send; a last attempt at the window end, then dead', () => {
    const now = 1_000_000;
    expect(nextStep({ error: null }, 1, now + 10, cfg, now)).toEqual({ status: 'delivered' });
    for (const error of ['gone', 'task_expired', 'no_secret'] as const) expect(nextStep({ error }, 1, now + 86_400_000, cfg, now)).toEqual({ status: 'dead' });
    const early = nextStep({ error: 'timeout' }, 1, now + 86_400_000, cfg, now);
    expect(early.status).toBe('pending');
    expect((early as { at: number }).at - now).toBeGreaterThanOrEqual(2_500);
    expect(nextStep({ error: 'network' }, 30, now + 1_000, cfg, now)).toEqual({ status: 'pending', at: now + 1_000 });
    expect(nextStep({ error: 'network' }, 31, now, cfg, now)).toEqual({ status: 'dead' });
  });

  it("waits at least the receiver's Retry-After, but never past the cap", () => {
    const now = 0;
    const step = nextStep({ error: 'http_status', retryAfterMs: 600_000 }, 1, 86_400_000, cfg, now) as { at: number };
    expect(step.at).toBe(600_000);
    const capped = nextStep({ error: 'http_status', retryAfterMs: 10 * 3_600_000 }, 1, 86_400_000, cfg, now) as { at: number };
    expect(capped.at).toBe(cfg.max_retry_ms);
  });
});
