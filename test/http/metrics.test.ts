// GET /metrics: Prometheus text behind the admin token, with route patterns (never raw URLs) as labels.

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
