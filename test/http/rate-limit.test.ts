// Requests per API key per minute: 429 rate_limit_exceeded with Retry-After and X-RateLimit-*.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyRateLimiter } from '../../src/http/rate-limit.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('KeyRateLimiter', () => {
  it('allows the limit per key per minute, then refuses until the next window', () => {
    let now = 120_000 + 10_000;
    const limiter = new KeyRateLimiter(2, () => now);
    limiter.take('a');
    limiter.take('a');
    limiter.take('b');
    try {
      limiter.take('a');
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ status: 429, code: 'rate_limit_exceeded', headers: { 'retry-after': '50', 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '180' } });
    }
    now = 180_000;
    expect(() => limiter.take('a')).not.toThrow();
  });

  it('is off at 0', () => {
    const limiter = new KeyRateLimiter(0);
    for (let i = 0; i < 10_000; i++) limiter.take('a');
  });
});

describe('over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { limits: { requests_per_minute: 3 } } });
  });
  afterAll(() => server.close());

  it('answers the key over its limit with 429 in the envelope; other keys and public routes are unaffected', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await server.call('/v1/usage')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const res = await server.call('/v1/usage');
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res.headers.get('x-ratelimit-limit')).toBe('3');
    expect((await res.json()).error).toMatchObject({ type: 'rate_limit_exceeded', code: 'rate_limit_exceeded', retryable: true });
    const other = await server.newAccount('1');
    expect((await server.call('/v1/usage', { key: other.key })).status).toBe(200);
    expect((await server.call('/v1/models', { key: null })).status).toBe(200);
  });
});
