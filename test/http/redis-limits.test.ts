// The per-key limit shared through Redis (src/http/rate-limit-redis.ts) on a real redis-server:
// the sliding-window script at its edges with a pinned clock, replicas racing on one key, and the
// fail-open fallback while Redis is stopped or frozen.

import { describe, expect, it } from 'vitest';
import { SharedKeyRateLimiter } from '../../src/http/rate-limit-redis.ts';
import { WINDOW_MS } from '../../src/http/rate-limit.ts';
import { COMMAND_TIMEOUT_MS } from '../../src/storage/redis.ts';
import { randomBase62 } from '../../src/util/ids.ts';
import { waitFor } from '../helpers/process.ts';
import { useRedisServer } from '../helpers/redis.ts';

const { server: redis, link } = useRedisServer();
const waitUntil = (probe: () => boolean) => waitFor(() => probe() || undefined);

/** What take() answered: 'ok', or the 429's headers. */
async function attempt(limiter: SharedKeyRateLimiter, key: string): Promise<'ok' | Record<string, string>> {
  try {
    await limiter.take(key);
    return 'ok';
  } catch (err) {
    expect(err).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    return (err as { headers: Record<string, string> }).headers;
  }
}

const newKey = () => `key_${randomBase62(8)}`;
const T0 = 1_800_000_000_000 + 12_345;

describe('the sliding-window script', () => {
  it('lets exactly the limit through, refuses the next with the headers, and frees a slot a full window after each request', async () => {
    let now = T0;
    const limiter = new SharedKeyRateLimiter(5, await link(), { now: () => now });
    const key = newKey();
    for (let i = 0; i < 5; i++) expect(await attempt(limiter, key)).toBe('ok');
    expect(await attempt(limiter, key)).toEqual({
      'retry-after': '60',
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(Math.floor((T0 + WINDOW_MS) / 1000)),
    });
    now = T0 + WINDOW_MS - 1;
    expect(await attempt(limiter, key)).toMatchObject({ 'retry-after': '1' });
    // Refusals took no slot: at the window's end all five slots are free again, and only five.
    now = T0 + WINDOW_MS;
    for (let i = 0; i < 5; i++) expect(await attempt(limiter, key)).toBe('ok');
    expect(await attempt(limiter, key)).not.toBe('ok');
  });

  it('slides: a request frees its slot one window after it was let through, not at a minute boundary', async () => {
    let now = T0;
    const limiter = new SharedKeyRateLimiter(4, await link(), { now: () => now });
    const key = newKey();
    for (let i = 0; i < 2; i++) expect(await attempt(limiter, key)).toBe('ok');
    now = T0 + 30_000;
    for (let i = 0; i < 2; i++) expect(await attempt(limiter, key)).toBe('ok');
    expect(await attempt(limiter, key)).toMatchObject({ 'retry-after': '30' });
    now = T0 + WINDOW_MS;
    for (let i = 0; i < 2; i++) expect(await attempt(limiter, key)).toBe('ok');
    // The two taken at +30 s still count: the next slot frees at +90 s.
    expect(await attempt(limiter, key)).toMatchObject({ 'retry-after': '30', 'x-ratelimit-reset': String(Math.floor((T0 + 30_000 + WINDOW_MS) / 1000)) });
  });

  it('keeps keys apart, and a limit of 0 is off', async () => {
    const now = () => T0;
    const l = await link();
    const limiter = new SharedKeyRateLimiter(1, l, { now });
    const [a, b] = [newKey(), newKey()];
    expect(await attempt(limiter, a)).toBe('ok');
    expect(await attempt(limiter, b)).toBe('ok');
    expect(await attempt(limiter, a)).not.toBe('ok');
    const off = new SharedKeyRateLimiter(0, l, { now });
    for (let i = 0; i < 50; i++) expect(await attempt(off, a)).toBe('ok');
  });

  it('counts on Redis\'s clock when none is pinned', async () => {
    const limiter = new SharedKeyRateLimiter(3, await link());
    const key = newKey();
    for (let i = 0; i < 3; i++) expect(await attempt(limiter, key)).toBe('ok');
    const refused = await attempt(limiter, key);
    expect(refused).not.toBe('ok');
    const headers = refused as Record<string, string>;
    expect(Number(headers['retry-after'])).toBeGreaterThanOrEqual(59);
    expect(Number(headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(Number(headers['x-ratelimit-reset']) * 1000).toBeGreaterThan(Date.now() + 55_000);
  });

  it('lets exactly the limit through when three replicas race on one key', async () => {
    const limit = 40;
    const replicas = await Promise.all([0, 1, 2].map(async () => new SharedKeyRateLimiter(limit, await link())));
    const key = newKey();
    const outcomes = await Promise.all(Array.from({ length: 3 * limit }, (_, i) => attempt(replicas[i % 3], key)));
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(limit);
  });
});

describe('without Redis (fail-open)', () => {
  it('falls back to this process\'s fixed window at once while Redis is stopped, counts each such decision, and shares again when it returns', async () => {
    let now = T0 - (T0 % WINDOW_MS) + 1_000;
    let fallbacks = 0;
    const l = await link();
    const limiter = new SharedKeyRateLimiter(3, l, { now: () => now, onFallback: () => fallbacks++ });
    const otherLink = await link();
    const other = new SharedKeyRateLimiter(3, otherLink, { now: () => now });
    const key = newKey();
    expect(await attempt(limiter, key)).toBe('ok');
    await redis().stop();
    await waitUntil(() => !l.usable());
    const started = Date.now();
    // The local window has not seen the request Redis counted: three more pass here, then 429.
    for (let i = 0; i < 3; i++) expect(await attempt(limiter, key)).toBe('ok');
    expect(await attempt(limiter, key)).toMatchObject({ 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '0' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(fallbacks).toBe(4);

    await redis().start();
    await waitUntil(() => l.usable() && otherLink.usable());
    now += 1;
    const fresh = newKey();
    expect(await attempt(limiter, fresh)).toBe('ok');
    expect(await attempt(other, fresh)).toBe('ok');
    expect(await attempt(limiter, fresh)).toBe('ok');
    expect(await attempt(other, fresh)).not.toBe('ok');
    expect(fallbacks).toBe(4);
  });

  it('waits at most about the command timeout on a Redis that accepts and never answers, then skips it for a while', async () => {
    let fallbacks = 0;
    const l = await link();
    const limiter = new SharedKeyRateLimiter(100, l, { onFallback: () => fallbacks++ });
    const key = newKey();
    expect(await attempt(limiter, key)).toBe('ok');
    redis().freeze();
    const started = Date.now();
    expect(await attempt(limiter, key)).toBe('ok');
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS - 20);
    expect(waited).toBeLessThan(2_000);
    // The next decisions do not wait on it again.
    const next = Date.now();
    for (let i = 0; i < 10; i++) expect(await attempt(limiter, key)).toBe('ok');
    expect(Date.now() - next).toBeLessThan(5 * COMMAND_TIMEOUT_MS);
    expect(fallbacks).toBe(11);
    redis().thaw();
  });
});
