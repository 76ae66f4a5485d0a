// A synchronous request to a task-based upstream may wait for it (tasks.task_upstream_wait_ms).

import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    config: { tasks: { task_upstream_wait_ms: 5_000 }, channels: [{ id: 'demo', provider: 'demo', models: ['midjourney'], options: { task_ms: 300 } }] },
  });
});
afterAll(async () => {
  await server.assertLedger();
  await server.close();
});

it('answers inline when the upstream task finishes within the wait', async () => {
  const res = await server.call('/v1/images/generations', { method: 'POST', json: { model: 'midjourney', prompt: 'inline castle', response_format: 'b64_json' } });
  const body = await res.json();
  expect(res.status).toBe(200);
  expect(body.status).toBeUndefined();
  expect(Buffer.from(body.data[0].b64_json, 'base64').subarray(1, 4).toString()).toBe('PNG');
});
