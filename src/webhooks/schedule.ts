// When a failed delivery is tried again: exponential backoff with jitter inside the retry window.
// The n-th retry waits first_retry_ms × 2^(n−1), capped at max_retry_ms, and then a random point in
// the upper half of that ("equal jitter"), so receivers that failed together are not retried in step.
// A receiver's Retry-After (429, 503) lengthens the wait, up to the cap. No retry is scheduled past the
// window's end: one last attempt goes out at the end itself, and a failure after it is final.

import type { Config } from '../config/schema.ts';
import type { NextStep } from './deliveries.ts';
import type { AttemptOutcome } from './sender.ts';

type Backoff = Pick<Config['webhooks'], 'first_retry_ms' | 'max_retry_ms'>;

/** The wait before the next attempt, after `failures` failed attempts in a row (1 or more). */
export function retryDelayMs(failures: number, cfg: Backoff, random: () => number = Math.random): number {
  const nominal = Math.min(cfg.max_retry_ms, cfg.first_retry_ms * 2 ** Math.min(Math.max(failures, 1) - 1, 40));
  return Math.round(nominal / 2 + (random() * nominal) / 2);
}

/** Failures that no retry can mend: the receiver said it wants no more (410), or there is nothing to send. */
const FINAL_ERRORS: ReadonlySet<AttemptOutcome['error']> = new Set(['gone', 'task_expired', 'no_secret']);

/** Where a delivery goes after an attempt with this outcome (`failures` counts this one). */
export function nextStep(outcome: Pick<AttemptOutcome, 'error' | 'retryAfterMs'>, failures: number, giveUpAt: number, cfg: Backoff, now = Date.now()): NextStep {
  if (outcome.error === null) return { status: 'delivered' };
  if (FINAL_ERRORS.has(outcome.error) || now >= giveUpAt) return { status: 'dead' };
  const wait = Math.max(retryDelayMs(failures, cfg), Math.min(outcome.retryAfterMs ?? 0, cfg.max_retry_ms));
  return { status: 'pending', at: Math.min(now + wait, giveUpAt) };
}
