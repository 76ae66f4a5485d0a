// /metrics after traffic of every kind — successes, upstream faults, a refusal, moderation, a rate
// limit, a timeout, a wrong-key channel, a task polled on its channel — is clean by Prometheus's own
// checker (`promtool check metrics`: format and lint), and no label value is a URL or client text.

import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BFL_TEST_KEY, createBflEmulator } from '../emulators/bfl.ts';
import { DELAY_PAST_TIMEOUT_MS, type Emulator } from '../emulators/kit.ts';
import { OPENAI_TEST_KEY, createOpenaiEmulator } from '../emulators/openai.ts';
import { scenario } from '../helpers/poll.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** Installed here and by .ci/run. */
const PROMTOOL = '/usr/bin/promtool';
const PROMPT = 'an orange kite over the dunes';

let openai: Emulator;
let bfl: ReturnType<typeof createBflEmulator>;
let server: TestServer;
beforeAll(async () => {
  openai = createOpenaiEmulator();
  bfl = createBflEmulator();
  await Promise.all([openai.start(), bfl.start()]);
  const oa = { provider: 'openai', base_url: `${openai.url}/v1` };
  server = await startTestServer({
    config: {
      tasks: { worker_interval_ms: 50, wait_budget_ms: 2_000 },
      channels: [
        { ...oa, id: 'oa', api_key: OPENAI_TEST_KEY, models: ['dall-e-2'], timeout_ms: 300 },
        { ...oa, id: 'oa-stale', api_key: 'sk-stale-key-0123456789abcdef', models: ['dall-e-3'] },
        { id: 'bfl', provider: 'bfl', base_url: bfl.url, api_key: BFL_TEST_KEY, models: ['flux-pro'], options: { poll_interval_ms: 50, poll_hosts: [new URL(bfl.pollHost.url).host] } },
      ],
    },
  });
});
afterAll(async () => {
  await server.close();
  await Promise.all([openai.close(), bfl.close()]);
});

const generate = (model: string) => server.call('/v1/images/generations', { method: 'POST', json: { model, prompt: PROMPT, size: model === 'dall-e-2' ? '256x256' : '1024x1024', response_format: 'b64_json' } });

it('promtool finds nothing to say about /metrics after traffic of every kind', async () => {
  // One channel takes every fault in turn; a success between the retryable ones keeps it out of a cool-down.
  expect((await generate('dall-e-2')).status).toBe(200);
  openai.inject({ kind: 'status', status: 500 });
  expect((await generate('dall-e-2')).status).toBe(502);
  openai.inject({ kind: 'delay', ms: DELAY_PAST_TIMEOUT_MS });
  expect((await generate('dall-e-2')).status).toBe(504);
  expect((await generate('dall-e-2')).status).toBe(200);
  openai.inject({ kind: 'status', status: 400, message: 'Invalid value for size' });
  expect((await generate('dall-e-2')).status).toBe(400);
  openai.inject({ kind: 'behaviour', name: 'moderate' });
  expect((await generate('dall-e-2')).status).toBe(400);
  openai.inject({ kind: 'status', status: 429, retryAfter: 1 });
  expect((await generate('dall-e-2')).status).toBe(429);
  expect((await generate('dall-e-3')).status).toBe(502);
  const task = await scenario(server, { model: 'flux-pro', prompt: PROMPT, size: '1024x768' });
  expect(task.done.status).toBe('completed');

  const res = await server.call('/metrics', { key: server.adminToken });
  expect(res.status).toBe(200);
  const text = await res.text();
  // The traffic above is all there (promtool passes empty input too, so this is what makes the check count).
  for (const outcome of ['ok', 'upstream_fault', 'timeout', 'bad_request', 'moderated', 'rate_limited']) {
    expect(text).toContain(`easel_upstream_request_duration_seconds_count{model="dall-e-2",channel="oa",provider="openai",phase="call",outcome="${outcome}"} `);
  }
  expect(text).toContain('easel_upstream_calls_total{channel="oa-stale",provider="openai",outcome="auth"} 1');
  expect(text).toMatch(/easel_upstream_request_duration_seconds_count\{model="flux-pro",channel="bfl",provider="bfl",phase="poll",outcome="ok"\} [1-9]/);
  expect(text).toMatch(/easel_spend_usd_total\{model="flux-pro",channel="bfl"\} 0\.0\d+/);

  const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  expect(check.error).toBeUndefined();
  expect({ status: check.status, stdout: check.stdout, stderr: check.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });

  // Label values are bounded: no URL, no client text, no task id.
  const labelValues = [...text.matchAll(/="([^"]*)"/g)].map((m) => m[1]);
  expect(labelValues.length).toBeGreaterThan(50);
  for (const value of labelValues) {
    expect(value).not.toMatch(/:\/\/|ldtask_|req_/);
    expect(value).not.toContain('kite');
  }
});
