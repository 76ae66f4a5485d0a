// GET /metrics: Prometheus text behind the admin token, with route patterns (never raw URLs) as labels;
// upstream latency per model, channel, provider, phase and outcome; the money settled per model and channel.

import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Emulator } from '../emulators/kit.ts';
import { OPENAI_TEST_KEY, createOpenaiEmulator } from '../emulators/openai.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let openai: Emulator;
let server: TestServer;
beforeAll(async () => {
  openai = createOpenaiEmulator();
  await openai.start();
  server = await startTestServer({ config: { channels: [{ id: 'oa', provider: 'openai', base_url: `${openai.url}/v1`, api_key: OPENAI_TEST_KEY, models: ['dall-e-2'] }] } });
});
afterAll(async () => {
  await server.close();
  await openai.close();
});

it('counts requests by route, upstream calls by outcome, closed tasks, and channel availability', async () => {
  const gen = () => server.call('/v1/images/generations', { method: 'POST', json: { model: 'dall-e-2', prompt: 'm', size: '256x256', response_format: 'b64_json' } });
  expect((await gen()).status).toBe(200);
  openai.inject({ kind: 'status', status: 500 });
  expect((await gen()).status).toBe(502);
  await (await server.call('/v1/tasks/ldtask_00000000000000000000000000000000')).arrayBuffer();

  expect((await server.call('/metrics')).status).toBe(401);
  const res = await server.call('/metrics', { key: server.adminToken });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const text = await res.text();
  expect(text).toMatch(/easel_upstream_calls_total\{channel="oa",provider="openai",outcome="ok"\} 1/);
  expect(text).toMatch(/easel_upstream_calls_total\{channel="oa",provider="openai",outcome="upstream_fault"\} 1/);
  expect(text).toMatch(/easel_tasks_closed_total\{model="dall-e-2",status="completed"\} 1/);
  expect(text).toMatch(/easel_tasks_closed_total\{model="dall-e-2",status="failed"\} 1/);
  expect(text).toMatch(/easel_http_request_duration_seconds_count\{route="\/v1\/images\/generations",method="POST",status="200"\} 1/);
  expect(text).toMatch(/route="\/v1\/tasks\/:id"/);
  expect(text).not.toContain('ldtask_0000');
  expect(text).toMatch(/easel_channel_available\{channel="oa",provider="openai"\} 1/);
});

it('times every upstream attempt and adds up the money settled, per model and channel', async () => {
  const account = await server.newAccount('1');
  const before = await scrape();
  const res = await server.call('/v1/images/generations', { method: 'POST', key: account.key, json: { model: 'dall-e-2', prompt: 'm', n: 2, size: '256x256', response_format: 'b64_json' } });
  expect(res.status).toBe(200);
  const charged = 1 - Number(await server.balance(account.id));
  expect(charged).toBeGreaterThan(0);
  const after = await scrape();

  const spend = (text: string) => sample(text, 'easel_spend_usd_total{model="dall-e-2",channel="oa"}');
  expect(spend(after) - spend(before)).toBeCloseTo(charged, 9);
  const okCalls = (text: string) => sample(text, 'easel_upstream_request_duration_seconds_count{model="dall-e-2",channel="oa",provider="openai",phase="call",outcome="ok"}');
  expect(okCalls(after) - okCalls(before)).toBe(1);
  expect(after).toMatch(/easel_upstream_request_duration_seconds_bucket\{le="0\.05",model="dall-e-2",channel="oa",provider="openai",phase="call",outcome="ok"\} \d+/);

  openai.inject({ kind: 'status', status: 500 });
  expect((await server.call('/v1/images/generations', { method: 'POST', key: account.key, json: { model: 'dall-e-2', prompt: 'm', size: '256x256' } })).status).toBe(502);
  const faults = (text: string) => sample(text, 'easel_upstream_request_duration_seconds_count{model="dall-e-2",channel="oa",provider="openai",phase="call",outcome="upstream_fault"}');
  const failedAfter = await scrape();
  expect(faults(failedAfter) - faults(after)).toBe(1);
  // A failed task settles nothing.
  expect(spend(failedAfter)).toBe(spend(after));
});

async function scrape(): Promise<string> {
  return (await server.call('/metrics', { key: server.adminToken })).text();
}

/** The value of one series in Prometheus text, 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
