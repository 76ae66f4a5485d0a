// A backlog of due tasks is worked through as worker slots free, not `concurrency` tasks per
// `worker_interval_ms` (bench/tasks/pending-tasks.ts found 10,000 pending tasks polled at 16/s).

import { afterAll, beforeAll, expect, it } from 'vitest';
import { pollTask } from '../helpers/poll.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const TASKS = 20;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    // Two slots and a pass every 3 s: at two tasks per pass, 20 tasks would take 30 s.
    config: { tasks: { concurrency: 2, worker_interval_ms: 3_000 }, channels: [{ id: 'demo', provider: 'demo', models: ['flux-pro'], options: { task_ms: 200 } }] },
  });
});
afterAll(() => server.close());

it(`${TASKS} async tasks on 2 worker slots complete in a few passes, not ${TASKS / 2}`, async () => {
  const started = Date.now();
  const created = await Promise.all(
    Array.from({ length: TASKS }, async (_, i) => (await server.call('/v1/images/generations', { method: 'POST', json: { model: 'flux-pro', prompt: `tower ${i}`, async: true } })).json()),
  );
  const done = await Promise.all(created.map((c) => pollTask(server, c.poll_url, { timeoutMs: 20_000, intervalMs: 200 })));
  expect(done.map((d) => d.body.status)).toEqual(Array(TASKS).fill('completed'));
  // One pass finds the backlog; the rest follow as slots free (about 4 s here; 30 s before).
  expect(Date.now() - started).toBeLessThan(15_000);
});
