// Channel health: a channel that keeps failing is cooled down (left out of routing) for a while, then
// let back in on probation: its next call is the probe, and one more failure cools it down again,
// for longer. A 429 with a retry hint cools the channel for exactly that long.

import type { UpstreamError } from '../providers/types.ts';

/** Consecutive retryable failures that cool a channel down. */
export const FAILURES_BEFORE_COOLDOWN = 3;
export const FIRST_COOLDOWN_MS = 15_000;
export const MAX_COOLDOWN_MS = 5 * 60_000;
/** A 429 without a hint cools the channel this long. */
export const DEFAULT_RATE_LIMIT_COOLDOWN_MS = 5_000;

interface ChannelState {
  consecutiveFailures: number;
  coolUntil: number;
  lastCooldownMs: number;
  /** True once a cooldown expired and until the next call settles the channel's fate. */
  probation: boolean;
  /** The current cooldown was the upstream's 429, not the channel's own failures. */
  rateLimited: boolean;
}

export class ChannelHealth {
  private readonly states = new Map<string, ChannelState>();

  constructor(private readonly now: () => number = Date.now) {}

  private state(id: string): ChannelState {
    let s = this.states.get(id);
    if (!s) {
      s = { consecutiveFailures: 0, coolUntil: 0, lastCooldownMs: 0, probation: false, rateLimited: false };
      this.states.set(id, s);
    }
    return s;
  }

  isAvailable(id: string): boolean {
    const s = this.states.get(id);
    if (!s || s.coolUntil === 0) return true;
    if (this.now() < s.coolUntil) return false;
    s.coolUntil = 0;
    s.probation = true;
    return true;
  }

  /** Milliseconds until the first of these channels is available again (0 if one is now). */
  msUntilAvailable(ids: string[]): number {
    const now = this.now();
    return Math.max(0, Math.min(...ids.map((id) => this.states.get(id)?.coolUntil ?? 0).map((t) => t - now)));
  }

  /** Every one of these channels is cooling down because its upstream answered 429. */
  allRateLimited(ids: string[]): boolean {
    const now = this.now();
    return ids.length > 0 && ids.every((id) => {
      const s = this.states.get(id);
      return s !== undefined && s.rateLimited && now < s.coolUntil;
    });
  }

  recordSuccess(id: string): void {
    const s = this.state(id);
    s.consecutiveFailures = 0;
    s.probation = false;
    s.lastCooldownMs = 0;
  }

  recordFailure(id: string, err: UpstreamError): void {
    const s = this.state(id);
    if (err.kind === 'rate_limited') {
      this.coolFor(s, err.retryAfterMs ?? DEFAULT_RATE_LIMIT_COOLDOWN_MS, false);
      return;
    }
    s.consecutiveFailures += 1;
    if (s.probation || s.consecutiveFailures >= FAILURES_BEFORE_COOLDOWN) {
      const next = s.lastCooldownMs ? Math.min(MAX_COOLDOWN_MS, s.lastCooldownMs * 2) : FIRST_COOLDOWN_MS;
      this.coolFor(s, next, true);
    }
  }

  private coolFor(s: ChannelState, ms: number, escalate: boolean): void {
    s.coolUntil = this.now() + ms;
    s.probation = false;
    s.rateLimited = !escalate;
    if (escalate) s.lastCooldownMs = ms;
    s.consecutiveFailures = 0;
  }

  /** For /readyz-style reporting and tests. */
  snapshot(id: string): { available: boolean; coolUntil: number; consecutiveFailures: number } {
    const s = this.state(id);
    return { available: this.now() >= s.coolUntil, coolUntil: s.coolUntil, consecutiveFailures: s.consecutiveFailures };
  }
}
