// A task closed on one replica wakes a waiter on another at once (PostgreSQL LISTEN/NOTIFY), and
// only after the close committed; a waiter in the same process is woken without the database.

import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/storage/db/open.ts';
import { notifyTaskClosed } from '../../src/storage/db/task-notifications.ts';
import { TaskWakeups } from '../../src/tasks/wakeups.ts';
import { freshDatabaseUrl, tempDir } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const silent = pino({ level: 'silent' });
const channels = [{ id: 'demo', provider: 'demo', models: ['midjourney'], options: { task_ms: 1_500 } }];

let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  a = await startTestServer({ dialect: 'postgres', config: { channels, tasks: { worker_interval_ms: 100 } } });
  b = await startTestServer({ config: { database_url: a.config.database_url, channels, tasks: { worker_interval_ms: 100 } } });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

it('a task driven on replica A wakes a waiter on replica B within moments of its close', async () => {
  // Only A works on tasks, so B can hear of the close only through PostgreSQL.
  await b.engine.stop(0);
  const created = await (await a.call('/v1/images/generations', { method: 'POST', json: { model: 'midjourney', prompt: 'a lighthouse' } })).json();
  expect(created.status).toBe('pending');
  const woke = await b.wakeups.waitFor(created.task_id, 20_000);
  const wokeAt = Date.now();
  expect(woke).toBe(true);
  // The row is closed by the time the notification arrives (it left with the commit), and the
  // waiter heard within moments of that commit, not at the end of its 20 s.
  const row = await b.db.kysely.selectFrom('tasks').select(['status', 'updated_at']).where('id', '=', created.task_id).executeTakeFirstOrThrow();
  expect(row.status).toBe('completed');
  expect(wokeAt - row.updated_at).toBeLessThan(2_000);
  const polled = await (await b.call(`/v1/tasks/${created.task_id}`, { key: a.apiKey })).json();
  expect(polled.status).toBe('completed');
});

it('a close that rolls back wakes nobody; one that commits wakes every listener', async () => {
  const url = await freshDatabaseUrl('postgres');
  const db = await openDatabase({ databaseUrl: url, dataDir: tempDir() });
  const first = new TaskWakeups(url, silent);
  const second = new TaskWakeups(url, silent);
  try {
    // LISTEN is issued as each listener connects; give both a moment to be in place.
    await expect.poll(async () => (await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where query ilike 'LISTEN%'`.execute(db.kysely)).rows[0].n, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    const rolledBack = first.waitFor('task_rolled_back', 600);
    await db.kysely
      .transaction()
      .execute(async (trx) => {
        await notifyTaskClosed(trx, 'task_rolled_back');
        throw new Error('roll back');
      })
      .catch(() => {});
    expect(await rolledBack).toBe(false);

    const both = [first.waitFor('task_committed', 5_000), second.waitFor('task_committed', 5_000)];
    await db.kysely.transaction().execute((trx) => notifyTaskClosed(trx, 'task_committed'));
    expect(await Promise.all(both)).toEqual([true, true]);
  } finally {
    await first.close();
    await second.close();
    await db.close();
  }
});

it('in one process (SQLite) the waiter hears the close directly, and a timeout or an abort ends the wait', async () => {
  const local = new TaskWakeups(undefined, silent);
  const heard = local.waitFor('task_1', 5_000);
  local.closed('task_1');
  expect(await heard).toBe(true);
  expect(await local.waitFor('task_2', 50)).toBe(false);
  const controller = new AbortController();
  const aborted = local.waitFor('task_3', 5_000, controller.signal);
  controller.abort();
  expect(await aborted).toBe(false);
  await local.close();
});
