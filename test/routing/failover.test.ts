// Routing across several channels of one model, each on its own OpenAI emulator: priority, weights,
// failover on retryable faults only, cool-down, and the client-facing error of each outcome.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAILURES_BEFORE_COOLDOWN } from '../../src/routing/health.ts';
import { DELAY_PAST_TIMEOUT_MS, type Emulator } from '../emulators/kit.ts';
import { OPENAI_TEST_KEY, createOpenaiEmulator } from '../emulators/openai.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let a: Emulator;
let b: Emulator;
let server: TestServer | undefined;

beforeEach(async () => {
  a = createOpenaiEmulator();
  b = createOpenaiEmulator();
  await Promise.all([a.start(), b.start()]);
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await Promise.all([a.close(), b.close()]);
});

function channel(id: string, emulator: Emulator, over: Record<string, unknown> = {}) {
  return { id, provider: 'openai', base_url: `${emulator.url}/v1`, api_key: OPENAI_TEST_KEY, models: ['dall-e-3'], ...over };
}

async function easel(channels: unknown[]) {
  server = await startTestServer({ config: { channels } });
  return server;
}

const generate = (s: TestServer) => s.call('/v1/images/generations', { method: 'POST', json: { model: 'dall-e-3', prompt: 'routing', response_format: 'b64_json' } });
const calls = (e: Emulator) => e.requests.filter((r) => r.path === '/v1/images/generations').length;

describe('failover', () => {
  it('tries the higher priority first and fails over on a 5xx', async () => {
    const s = await easel([channel('low', b, { priority: 0 }), channel('high', a, { priority: 10 })]);
    expect((await generate(s)).status).toBe(200);
    expect([calls(a), calls(b)]).toEqual([1, 0]);
    a.inject({ kind: 'status', status: 503 });
    const res = await generate(s);
    expect(res.status).toBe(200);
    expect([calls(a), calls(b)]).toEqual([2, 1]);
  });

  it('fails over on a connection reset and on a timeout', async () => {
    const s = await easel([channel('a', a, { priority: 1, timeout_ms: 300 }), channel('b', b)]);
    a.inject({ kind: 'reset' });
    expect((await generate(s)).status).toBe(200);
    a.inject({ kind: 'delay', ms: DELAY_PAST_TIMEOUT_MS });
    expect((await generate(s)).status).toBe(200);
    expect(calls(b)).toBe(2);
  });

  it('does not fail over when the upstream refuses the request or moderates it', async () => {
    const s = await easel([channel('a', a, { priority: 1 }), channel('b', b)]);
    a.inject({ kind: 'status', status: 400, message: 'Invalid value for size' });
    const refused = await generate(s);
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.code).toBe('upstream_rejected');
    a.inject({ kind: 'behaviour', name: 'moderate' });
    const moderated = await generate(s);
    expect(moderated.status).toBe(400);
    expect((await moderated.json()).error.code).toBe('content_policy_violation');
    expect(calls(b)).toBe(0);
  });

  it('answers 503 all_channels_failed when every channel fails, and 429 with Retry-After when every one is limited', async () => {
    const s = await easel([channel('a', a, { priority: 1 }), channel('b', b)]);
    a.inject({ kind: 'status', status: 500 });
    b.inject({ kind: 'status', status: 502 });
    const failed = await generate(s);
    expect(failed.status).toBe(503);
    const body = await failed.json();
    expect(body.error).toMatchObject({ code: 'all_channels_failed', retryable: true });
    expect(JSON.stringify(body)).not.toContain(a.url);

    const limited = await easel2();
    a.inject({ kind: 'status', status: 429, retryAfter: 7 });
    b.inject({ kind: 'status', status: 429, retryAfter: 3 });
    const res = await generate(limited);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect((await res.json()).error).toMatchObject({ code: 'rate_limit_exceeded', retry_after: 7 });
  });
});

async function easel2(): Promise<TestServer> {
  await server?.close();
  return easel([channel('a', a, { priority: 1 }), channel('b', b)]);
}

describe('cool-down', () => {
  it(`leaves a channel out after ${FAILURES_BEFORE_COOLDOWN} consecutive failures`, async () => {
    const s = await easel([channel('a', a, { priority: 1 }), channel('b', b)]);
    a.inject({ kind: 'status', status: 500 }, FAILURES_BEFORE_COOLDOWN);
    for (let i = 0; i < FAILURES_BEFORE_COOLDOWN; i++) expect((await generate(s)).status).toBe(200);
    expect(calls(a)).toBe(FAILURES_BEFORE_COOLDOWN);
    for (let i = 0; i < 3; i++) expect((await generate(s)).status).toBe(200);
    expect(calls(a)).toBe(FAILURES_BEFORE_COOLDOWN);
    expect(calls(b)).toBe(FAILURES_BEFORE_COOLDOWN + 3);
    expect(s.router.health.snapshot('a').available).toBe(false);
  });

  it('answers 429 rate_limit_exceeded with Retry-After while every channel rests from an upstream 429', async () => {
    const s = await easel([channel('a', a)]);
    a.inject({ kind: 'status', status: 429, retryAfter: 30 });
    expect((await generate(s)).status).toBe(429);
    const res = await generate(s);
    expect(res.status).toBe(429);
    expect((await res.json()).error).toMatchObject({ code: 'rate_limit_exceeded', type: 'rate_limit_exceeded', retryable: true });
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(20);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(calls(a)).toBe(1);
  });

  it('answers 503 all_channels_failed with retry_after while every channel cools down from its own failures', async () => {
    const s = await easel([channel('a', a)]);
    a.inject({ kind: 'status', status: 500 }, FAILURES_BEFORE_COOLDOWN);
    for (let i = 0; i < FAILURES_BEFORE_COOLDOWN; i++) expect((await generate(s)).status).toBe(502);
    const res = await generate(s);
    expect(res.status).toBe(503);
    expect((await res.json()).error).toMatchObject({ code: 'all_channels_failed', retryable: true });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(calls(a)).toBe(FAILURES_BEFORE_COOLDOWN);
  });
});

describe('weights', () => {
  it('splits traffic by weight within one priority', async () => {
    const s = await easel([channel('a', a, { weight: 3 }), channel('b', b, { weight: 1 })]);
    const picks = { a: 0, b: 0 };
    for (let i = 0; i < 2_000; i++) picks[s.router.candidates('dall-e-3')[0].id as 'a' | 'b']++;
    expect(picks.a / 2_000).toBeGreaterThan(0.7);
    expect(picks.a / 2_000).toBeLessThan(0.8);
  });
});
