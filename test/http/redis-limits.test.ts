// The per-key limit shared through Redis (src/http/rate-limit-redis.ts) on a real redis-server:
// the sliding-window script at its edges with a pinned clock, replicas racing on one key, and the
// fail-open fallback while Redis is stopped or frozen; then three Easel servers sharing one Redis:
// the limit, an upstream 429's rest, and a Redis outage under load.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedKeyRateLimiter } from '../../src/http/rate-limit-redis.ts';
import { WINDOW_MS } from '../../src/http/rate-limit.ts';
import { COMMAND_TIMEOUT_MS } from '../../src/storage/redis.ts';
import { randomBase62 } from '../../src/util/ids.ts';
import type { Emulator } from '../emulators/kit.ts';
import { createOpenaiEmulator, OPENAI_TEST_KEY } from '../emulators/openai.ts';
import { freshDatabaseUrl } from '../helpers/databases.ts';
import { waitFor } from '../helpers/process.ts';
import { useRedisServer } from '../helpers/redis.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

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

// Three Easel servers in this process, as three replicas: one PostgreSQL database (so one key is the
// same key everywhere), one Redis, two channels of one model on two OpenAI emulators.
describe('three replicas on one Redis', () => {
  const LIMIT = 20;
  let db: string;
  let upstreamA: Emulator;
  let upstreamB: Emulator;
  let replicas: TestServer[] = [];

  const replicaConfig = () => ({
    database_url: db,
    redis_url: redis().url,
    limits: { requests_per_minute: LIMIT },
    channels: [
      { id: 'a', provider: 'openai', base_url: `${upstreamA.url}/v1`, api_key: OPENAI_TEST_KEY, models: ['dall-e-3'], priority: 1 },
      { id: 'b', provider: 'openai', base_url: `${upstreamB.url}/v1`, api_key: OPENAI_TEST_KEY, models: ['dall-e-3'] },
    ],
  });

  beforeAll(async () => {
    db = (await freshDatabaseUrl('postgres'))!;
    upstreamA = createOpenaiEmulator();
    upstreamB = createOpenaiEmulator();
    await Promise.all([upstreamA.start(), upstreamB.start()]);
    // One after the other: the first one migrates the shared database.
    for (let i = 0; i < 3; i++) replicas.push(await startTestServer({ config: replicaConfig() }));
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    replicas = [];
    await Promise.all([upstreamA?.close(), upstreamB?.close()]);
  });

  const newKey = async () => (await replicas[0].newAccount('100')).key;
  const usage = (replica: TestServer, key: string) => replica.call('/v1/usage', { key });
  const generate = (replica: TestServer, key: string) =>
    replica.call('/v1/images/generations', { method: 'POST', key, json: { model: 'dall-e-3', prompt: 'replicas', response_format: 'b64_json' } });
  const upstreamCalls = (e: Emulator) => e.requests.filter((r) => r.path === '/v1/images/generations').length;
  const waitUntil = (probe: () => boolean | Promise<boolean>, what: string) => waitForAsync(probe, what);

  /** Round-robin over the replicas, one request after the other; the statuses in order. */
  async function spread(count: number, key: string): Promise<Response[]> {
    const answers: Response[] = [];
    for (let i = 0; i < count; i++) answers.push(await usage(replicas[i % replicas.length], key));
    return answers;
  }

  it('lets exactly the per-minute limit through across all three, and answers the rest 429 with the headers', async () => {
    const key = await newKey();
    const answers = await spread(3 * LIMIT, key);
    expect(answers.filter((r) => r.status === 200)).toHaveLength(LIMIT);
    expect(answers.slice(0, LIMIT).every((r) => r.status === 200)).toBe(true);
    const refused = answers.slice(LIMIT);
    expect(refused.every((r) => r.status === 429)).toBe(true);
    for (const r of refused.slice(0, 3)) {
      expect(r.headers.get('x-ratelimit-limit')).toBe(String(LIMIT));
      expect(r.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(r.headers.get('x-ratelimit-reset')) * 1000).toBeGreaterThan(Date.now());
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect((await r.json()).error).toMatchObject({ code: 'rate_limit_exceeded', retryable: true });
    }
  });

  it('rests a channel on every replica, and on one that starts later, when one replica meets its upstream 429', async () => {
    const key = await newKey();
    upstreamA.inject({ kind: 'status', status: 429, retryAfter: 300 });
    expect((await generate(replicas[0], key)).status).toBe(200); // failed over to b
    expect(upstreamCalls(upstreamA)).toBe(1);
    for (const other of replicas.slice(1)) await waitUntil(() => !other.router.health.snapshot('a').available, 'the rest reached the other replicas');
    const bBefore = upstreamCalls(upstreamB);
    for (const other of replicas.slice(1)) expect((await generate(other, key)).status).toBe(200);
    expect(upstreamCalls(upstreamA)).toBe(1);
    expect(upstreamCalls(upstreamB)).toBe(bBefore + 2);

    const late = await startTestServer({ config: replicaConfig() });
    try {
      expect((await generate(late, key)).status).toBe(200);
      expect(upstreamCalls(upstreamA)).toBe(1);
    } finally {
      await late.close();
    }
  });

  it('keeps serving while Redis is stopped mid-load (each replica limits keys alone, and says so in /metrics), then shares again once it is back', async () => {
    // The load: generations from six keys (each well under its limit) over the three replicas, going
    // on until 15 of them were sent after Redis was stopped.
    const loadKeys = await Promise.all(Array.from({ length: 6 }, newKey));
    let sent = 0;
    let sentWithoutRedis = 0;
    let redisStopped = false;
    const statuses: number[] = [];
    const worker = async () => {
      while (sentWithoutRedis < 15) {
        const i = sent++;
        if (redisStopped) sentWithoutRedis++;
        statuses.push((await generate(replicas[i % 3], loadKeys[i % 6])).status);
      }
    };
    const load = Promise.all([worker(), worker(), worker()]);
    await waitUntil(() => statuses.length >= 6, 'the load is under way');
    await redis().stop();
    redisStopped = true;
    await load;
    expect(statuses).toEqual(Array(sent).fill(200));
    for (const r of replicas) await waitUntil(async () => (await metric(r, 'easel_redis_up')) === 0, 'every replica reports Redis down');

    // The documented fallback: the configured limit per replica, in this process's own minute.
    await clearOfMinuteBoundary();
    const key = await newKey();
    for (const r of replicas) {
      const before = await metric(r, 'easel_rate_limit_local_decisions_total');
      for (let i = 0; i < LIMIT; i++) expect((await usage(r, key)).status).toBe(200);
      const refused = await usage(r, key);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('x-ratelimit-limit')).toBe(String(LIMIT));
      expect(await metric(r, 'easel_rate_limit_local_decisions_total')).toBe(before + LIMIT + 1);
    }

    await redis().start();
    for (const r of replicas) await waitUntil(async () => (await metric(r, 'easel_redis_up')) === 1, 'every replica reports Redis back');
    const shared = await spread(3 * LIMIT, await newKey());
    expect(shared.filter((r) => r.status === 200)).toHaveLength(LIMIT);
    // Channel health is shared again: a 429 on b seen by one replica rests b on the others (a still rests).
    const healthKey = await newKey();
    upstreamB.inject({ kind: 'status', status: 429, retryAfter: 300 });
    expect((await generate(replicas[1], healthKey)).status).toBe(429);
    await waitUntil(() => !replicas[2].router.health.snapshot('b').available, 'the rest reached the third replica');
    const bBefore = upstreamCalls(upstreamB);
    const resting = await generate(replicas[2], healthKey);
    expect(resting.status).toBe(429);
    expect((await resting.json()).error.code).toBe('rate_limit_exceeded');
    expect(upstreamCalls(upstreamB)).toBe(bBefore);
  });
});

/** A sample's value in a replica's /metrics (the first series of that name). */
async function metric(server: TestServer, name: string): Promise<number> {
  const text = await (await server.call('/metrics', { key: server.adminToken })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  if (!line) throw new Error(`${name} is not in /metrics`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** The fallback counts in wall-clock minutes: start a check that must fit in one well inside one. */
async function clearOfMinuteBoundary(marginMs = 15_000): Promise<void> {
  const left = WINDOW_MS - (Date.now() % WINDOW_MS);
  if (left < marginMs) await new Promise((r) => setTimeout(r, left + 100));
}

async function waitForAsync(probe: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!(await probe())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
