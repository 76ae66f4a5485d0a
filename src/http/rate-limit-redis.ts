// The per-key limit shared by every replica through Redis: a sliding one-minute log, one sorted set
// per key holding the time of each request it let through, checked and written by one Lua script so
// replicas racing on the same key cannot both take the last slot. At most `limit` requests pass in
// any 60 seconds, whichever replicas they reach (a fixed window would let 2× through across its
// boundary; GCRA lets a full burst and then a trickle, up to 2×−1 in one minute). The price is one
// entry per allowed request for a minute: O(limit) memory per busy key (about 1 MB at 10,000/min).
// The clock is Redis's own (TIME), so replicas whose clocks drift still count one minute.
//
// Redis unreachable: fail open onto this process's own fixed-window limiter (rate-limit.ts), so a
// key still meets a limit, the configured one per replica, and no request fails or waits for long
// because a counter store is away. Each such decision is counted (onFallback) for /metrics.

import type { Result } from 'ioredis';
import { randomBase62 } from '../util/ids.ts';
import type { RedisLink } from '../storage/redis.ts';
import { KeyRateLimiter, limitExceeded, type RateLimiter, WINDOW_MS } from './rate-limit.ts';

/**
 * KEYS[1] the key's log; ARGV: limit, window ms, a member unique to this request, and `now` in ms
 * (tests pin it; empty means Redis's clock). Answers {allowed 1|0, remaining, reset ms, now ms}:
 * reset is when the oldest counted request leaves the window, i.e. when a slot frees up.
 */
export const SLIDING_WINDOW_LUA = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[4])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  count = count + 1
  allowed = 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {allowed, limit - count, tonumber(oldest[2]) + window, now}
`;

const KEY_PREFIX = 'easel:ratelimit:';

type SlidingWindowVerdict = [allowed: number, remaining: number, resetMs: number, nowMs: number];

declare module 'ioredis' {
  interface RedisCommander<Context> {
    easelTakeRequest(key: string, limit: number, windowMs: number, member: string, nowMs: string): Result<SlidingWindowVerdict, Context>;
  }
}

export interface SharedRateLimiterOptions {
  /** Told of each decision made without Redis (it was down or did not answer in time). */
  onFallback?: () => void;
  /** Pins the clock, the script's and the fallback's (tests of the edges); Redis's TIME otherwise. */
  now?: () => number;
}

export class SharedKeyRateLimiter implements RateLimiter {
  private readonly fallback: KeyRateLimiter;
  /** Makes each request's log entry unique even when two arrive in the same millisecond. */
  private readonly instance = randomBase62(6);
  private sequence = 0;

  constructor(
    private readonly perMinute: number,
    private readonly link: RedisLink,
    private readonly opts: SharedRateLimiterOptions = {},
  ) {
    this.fallback = new KeyRateLimiter(perMinute, opts.now);
    link.client.defineCommand('easelTakeRequest', { numberOfKeys: 1, lua: SLIDING_WINDOW_LUA });
  }

  async take(keyId: string, perMinute = this.perMinute): Promise<void> {
    if (perMinute <= 0) return;
    const verdict = await this.askRedis(keyId, perMinute);
    if (!verdict) {
      this.opts.onFallback?.();
      return this.fallback.take(keyId, perMinute);
    }
    const [allowed, , resetMs, nowMs] = verdict;
    if (allowed !== 1) throw limitExceeded(perMinute, resetMs, nowMs);
  }

  /** The script's verdict, or undefined when Redis cannot give one now. */
  private async askRedis(keyId: string, perMinute: number): Promise<SlidingWindowVerdict | undefined> {
    if (!this.link.usable()) return undefined;
    const member = `${this.instance}:${(this.sequence++).toString(36)}`;
    const now = this.opts.now ? String(this.opts.now()) : '';
    try {
      return await this.link.run((redis) => redis.easelTakeRequest(KEY_PREFIX + keyId, perMinute, WINDOW_MS, member, now));
    } catch {
      return undefined;
    }
  }
}
