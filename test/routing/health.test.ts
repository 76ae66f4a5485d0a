// Cool-down rules of a channel that keeps failing, with a fake clock.

import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/providers/types.ts';
import { ChannelHealth, DEFAULT_RATE_LIMIT_COOLDOWN_MS, FAILURES_BEFORE_COOLDOWN, FIRST_COOLDOWN_MS, MAX_COOLDOWN_MS } from '../../src/routing/health.ts';

const fault = new UpstreamError('upstream_fault', 'boom');

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('channel health', () => {
  it(`cools a channel down after ${FAILURES_BEFORE_COOLDOWN} consecutive failures, not before`, () => {
    const c = clock();
    const h = new ChannelHealth(c.now);
    for (let i = 1; i < FAILURES_BEFORE_COOLDOWN; i++) {
      h.recordFailure('a', fault);
      expect(h.isAvailable('a')).toBe(true);
    }
    h.recordFailure('a', fault);
    expect(h.isAvailable('a')).toBe(false);
    c.advance(FIRST_COOLDOWN_MS - 1);
    expect(h.isAvailable('a')).toBe(false);
    c.advance(1);
    expect(h.isAvailable('a')).toBe(true);
  });

  it('resets the count on success', () => {
    const h = new ChannelHealth(clock().now);
    for (let i = 1; i < FAILURES_BEFORE_COOLDOWN; i++) h.recordFailure('a', fault);
    h.recordSuccess('a');
    h.recordFailure('a', fault);
    expect(h.isAvailable('a')).toBe(true);
  });

  it('cools again at once, for twice as long, when the probe after a cool-down fails', () => {
    const c = clock();
    const h = new ChannelHealth(c.now);
    for (let i = 0; i < FAILURES_BEFORE_COOLDOWN; i++) h.recordFailure('a', fault);
    c.advance(FIRST_COOLDOWN_MS);
    expect(h.isAvailable('a')).toBe(true); // probation: the next call is the probe
    h.recordFailure('a', fault);
    expect(h.isAvailable('a')).toBe(false);
    c.advance(2 * FIRST_COOLDOWN_MS - 1);
    expect(h.isAvailable('a')).toBe(false);
    c.advance(1);
    expect(h.isAvailable('a')).toBe(true);
    h.recordSuccess('a');
    h.recordFailure('a', fault);
    expect(h.isAvailable('a')).toBe(true);
  });

  it('never cools longer than the maximum', () => {
    const c = clock();
    const h = new ChannelHealth(c.now);
    for (let i = 0; i < FAILURES_BEFORE_COOLDOWN; i++) h.recordFailure('a', fault);
    for (let round = 0; round < 20; round++) {
      c.advance(MAX_COOLDOWN_MS);
      expect(h.isAvailable('a')).toBe(true);
      h.recordFailure('a', fault);
    }
    expect(h.snapshot('a').coolUntil - c.now()).toBe(MAX_COOLDOWN_MS);
  });

  it('cools a rate-limited channel for the retry hint, or a default', () => {
    const c = clock();
    const h = new ChannelHealth(c.now);
    h.recordFailure('a', new UpstreamError('rate_limited', '429', { retryAfterMs: 2_000 }));
    expect(h.isAvailable('a')).toBe(false);
    expect(h.msUntilAvailable(['a'])).toBe(2_000);
    c.advance(2_000);
    expect(h.isAvailable('a')).toBe(true);
    h.recordFailure('b', new UpstreamError('rate_limited', '429'));
    expect(h.msUntilAvailable(['b'])).toBe(DEFAULT_RATE_LIMIT_COOLDOWN_MS);
  });

  it('tells a rest from 429s apart from a cooldown for failures, so routing can answer 429 rather than 503', () => {
    const c = clock();
    const h = new ChannelHealth(c.now);
    h.recordFailure('a', new UpstreamError('rate_limited', '429', { retryAfterMs: 2_000 }));
    h.recordFailure('b', new UpstreamError('rate_limited', '429'));
    expect(h.allRateLimited(['a', 'b'])).toBe(true);
    for (let i = 0; i < FAILURES_BEFORE_COOLDOWN; i++) h.recordFailure('c', fault);
    expect(h.allRateLimited(['a', 'b', 'c'])).toBe(false);
    expect(h.allRateLimited(['c'])).toBe(false);
    expect(h.allRateLimited(['never-called'])).toBe(false);
    c.advance(2_000);
    expect(h.allRateLimited(['a', 'b'])).toBe(false);
  });
});
