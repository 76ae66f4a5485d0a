// A moderated request, an upstream 500, a timeout and a failed task each leave the balance exactly
// where it started; a partial success is charged for what was delivered.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DELAY_PAST_TIMEOUT_MS, type Emulator } from '../emulators/kit.ts';
import { OPENAI_TEST_KEY, createOpenaiEmulator } from '../emulators/openai.ts';
import { STABILITY_TEST_KEY, createStabilityEmulator } from '../emulators/stability.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let openai: Emulator;
let server: TestServer;
let acct: { id: string; key: string };

beforeAll(async () => {
  openai = createOpenaiEmulator();
  await openai.start();
  // One channel, with a cool-down that cannot trigger within this file's few failures.
  server = await startTestServer({ config: { channels: [{ id: 'openai', provider: 'openai', base_url: `${openai.url}/v1`, api_key: OPENAI_TEST_KEY, models: ['dall-e-3', 'dall-e-2'], timeout_ms: 300 }] } });
});
afterAll(async () => {
  await server.close();
  await openai.close();
});
beforeEach(async () => {
  openai.reset();
  server.router.health.recordSuccess('openai');
  acct = await server.newAccount('1');
});

const generate = (json: Record<string, unknown>) => server.call('/v1/images/generations', { method: 'POST', key: acct.key, json: { prompt: 'a fault', ...json } });

describe('no charge without a result', () => {
  it.each([
    ['moderation', () => openai.inject({ kind: 'behaviour', name: 'moderate' }), 400],
    ['an upstream 500', () => openai.inject({ kind: 'status', status: 500 }), 502],
    ['a timeout', () => openai.inject({ kind: 'delay', ms: DELAY_PAST_TIMEOUT_MS }), 504],
    ['a malformed answer', () => openai.inject({ kind: 'malformed' }), 502],
  ])('%s leaves the balance where it started', async (_name, fault, status) => {
    fault();
    const res = await generate({ model: 'dall-e-3' });
    expect(res.status).toBe(status);
    expect(await server.balance(acct.id)).toBe('1.00');
    await server.assertLedger();
  });

  it('charges a partial success for the images delivered', async () => {
    // Stability makes one image per call: n=3 is three calls, one of which fails. $0.065 an image.
    const stability = createStabilityEmulator();
    await stability.start();
    const s = await startTestServer({ config: { channels: [{ id: 'sd', provider: 'stability', base_url: stability.url, api_key: STABILITY_TEST_KEY, models: ['stable-diffusion-3'] }] } });
    try {
      const a = await s.newAccount('1');
      stability.inject({ kind: 'status', status: 500 }, 1);
      const res = await s.call('/v1/images/generations', { method: 'POST', key: a.key, json: { model: 'stable-diffusion-3', prompt: 'three', n: 3 } });
      expect(res.status).toBe(200);
      expect((await res.json()).data).toHaveLength(2);
      expect(await s.balance(a.id)).toBe('0.87');
    } finally {
      await s.close();
      await stability.close();
    }
  });
});
