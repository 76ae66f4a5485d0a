// A backlog of due tasks is worked through as worker slots free, not `concurrency` tasks per
// `worker_interval_ms` (bench/tasks/pending-tasks.ts found 10,000 pending tasks polled at 16/s), and
// without passes while every slot is busy: the next pass follows a slot that frees.

import pino from 'pino';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/storage/db/open.ts';
import { TaskEngine } from '../../src/tasks/engine.ts';
import type { TaskExecutor } from '../../src/tasks/executor.ts';
import { tempDir } from '../helpers/databases.ts';
import { pollTask } from '../helpers/poll.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { submittedTaskRow } from './task-rows.ts';

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

it('makes no passes while every slot is busy, and one soon after a slot frees', async () => {
  const db = await openDatabase({ dataDir: tempDir() });
  const now = Date.now();
  for (let i = 0; i < 3; i++) {
    await db.kysely.insertInto('tasks').values(submittedTaskRow(`t${i}`, { public: 1, next_poll_at: now - 1 })).execute();
  }
  const polled: Array<{ id: string; at: number }> = [];
  const executor = {
    load: async () => ({}),
    // Each poll holds the one slot for 400 ms, then asks for the next poll in a minute.
    poll: async (_job: unknown, task: { id: string }) => {
      polled.push({ id: task.id, at: Date.now() });
      await new Promise((r) => setTimeout(r, 400));
      return { kind: 'wait' as const, ms: 60_000 };
    },
  } as unknown as TaskExecutor<unknown, unknown, unknown>;
  const engine = new TaskEngine({ db, executor, log: pino({ level: 'silent' }), config: { concurrency: 1, worker_interval_ms: 10_000, lease_ms: 30_000 } as never });
  const tick = vi.spyOn(engine, 'tick');
  engine.start();
  try {
    await vi.waitFor(() => expect(polled.length).toBe(3), { timeout: 5_000, interval: 20 });
    // Three tasks through one slot: a pass to lease each (and one finding the slot busy at most).
    expect(tick.mock.calls.length).toBeLessThanOrEqual(4);
    // Each next task was taken within a few ms of the slot freeing (400 ms poll + hand-back), not at the 10 s interval.
    expect(polled[2]!.at - polled[0]!.at).toBeLessThan(1_500);
  } finally {
    await engine.stop(1_000);
    await db.close();
  }
});
