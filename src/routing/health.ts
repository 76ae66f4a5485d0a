// Channel health: a channel that keeps failing is cooled down (left out of routing) for a while, then
// let back in on probation: its next call is the probe, and one more failure cools it down again,
// for longer. A 429 with a retry hint cools the channel for exactly that long.
//
// This is one replica's view, read synchronously on the routing path. With Redis, shared-health.ts
// hears of each cooldown (onCooled) and tells the other replicas, which adopt it (adoptCooldown).

import type { UpstreamError } from '../providers/types.ts';

/** Consecutive retryable failures that cool a channel down. */
export const FAILURES_BEFORE_COOLDOWN = 3;
export const FIRST_COOLDOWN_MS = 15_000;
export const MAX_COOLDOWN_MS = 5 * 60_000;
/** A 429 without a hint cools the channel this long. */
export const DEFAULT_RATE_LIMIT_COOLDOWN_MS = 5_000;

/** A cooldown as it travels between replicas: relative, so their clocks need not agree. */
export interface Cooldown {
  remainingMs: number;
  /** The upstream's 429, not the channel's own failures. */
  rateLimited: boolean;
  /** For failures, the length of this step of the escalation (the next one doubles it); 0 for a 429. */
  stepMs: number;
}

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
  private cooled: (id: string, cooldown: Cooldown) => void = () => {};

  constructor(private readonly now: () => number = Date.now) {}

  /** Told of each cooldown this replica starts itself (not of those it adopts). */
  onCooled(listener: (id: string, cooldown: Cooldown) => void): void {
    this.cooled = listener;
  }

  /**
   * A cooldown another replica started: taken when it ends later than this one's own (never
   * shortening a rest), and its escalation step kept, so the next failure here escalates from it.
   */
  adoptCooldown(id: string, cooldown: Cooldown): void {
    const s = this.state(id);
    if (!cooldown.rateLimited) s.lastCooldownMs = Math.max(s.lastCooldownMs, cooldown.stepMs);
    const until = this.now() + cooldown.remainingMs;
    if (until <= s.coolUntil) return;
    s.coolUntil = until;
    s.rateLimited = cooldown.rateLimited;
    s.probation = false;
    s.consecutiveFailures = 0;
  }

  /** The channels resting now and what is left of each rest. */
  cooling(): Array<[string, Cooldown]> {
    const now = this.now();
    return [...this.states].filter(([, s]) => s.coolUntil > now).map(([id, s]) => [id, this.cooldownOf(s, now)]);
  }

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
      this.coolFor(id, s, err.retryAfterMs ?? DEFAULT_RATE_LIMIT_COOLDOWN_MS, false);
      return;
    }
    s.consecutiveFailures += 1;
    if (s.probation || s.consecutiveFailures >= FAILURES_BEFORE_COOLDOWN) {
      const next = s.lastCooldownMs ? Math.min(MAX_COOLDOWN_MS, s.lastCooldownMs * 2) : FIRST_COOLDOWN_MS;
      this.coolFor(id, s, next, true);
    }
  }

  private coolFor(id: string, s: ChannelState, ms: number, escalate: boolean): void {
    const now = this.now();
    s.coolUntil = now + ms;
    s.probation = false;
    s.rateLimited = !escalate;
    if (escalate) s.lastCooldownMs = ms;
    s.consecutiveFailures = 0;
    this.cooled(id, this.cooldownOf(s, now));
  }

  private cooldownOf(s: ChannelState, now: number): Cooldown {
    return { remainingMs: s.coolUntil - now, rateLimited: s.rateLimited, stepMs: s.rateLimited ? 0 : s.lastCooldownMs };
  }

  /** For /readyz-style reporting and tests. */
  snapshot(id: string): { available: boolean; coolUntil: number; consecutiveFailures: number } {
    const s = this.state(id);
    return { available: this.now() >= s.coolUntil, coolUntil: s.coolUntil, consecutiveFailures: s.consecutiveFailures };
  }
}
