// SIGKILL at each step of a task's life — after the reservation, after the upstream submit, during
// delivery, after storing before settling — for an inline create and an async task, on SQLite and
// PostgreSQL. After a restart every task ends exactly once. A task whose client never got its id (any
// inline create; an async one killed before its answer) failed `interrupted` and is not charged; an
// async one whose id was handed out completed, charged once, its image retrievable. The ledger balances. The process kills itself at the named point (src/util/crash-points.ts).

import { afterEach, describe, expect, it } from 'vitest';
import { checkLedger } from '../../src/billing/ledger.ts';
import { openDatabase } from '../../src/storage/db/open.ts';
import type { CrashPoint } from '../../src/util/crash-points.ts';
import { DIALECTS, freshDatabaseUrl, tempDir } from '../helpers/databases.ts';
import { waitUntil } from '../helpers/poll.ts';
import { type EaselProcess, spawnEasel, waitFor } from '../helpers/process.ts';

const POINTS: CrashPoint[] = ['after_reserve', 'after_submit', 'during_delivery', 'after_store'];
const STARTER_MICROS = 5_000_000;

/** An inline create (never reaches a submit) and an async task on a task-based model (reaches all four). */
const CASES = [
  { name: 'inline gpt-image-2', body: { model: 'gpt-image-2', prompt: 'killed inline', size: '1024x1024', n: 2 }, points: POINTS.filter((p) => p !== 'after_submit') },
  { name: 'async flux-pro task', body: { model: 'flux-pro', prompt: 'killed mid-task', async: true }, points: POINTS },
];

let running: EaselProcess | undefined;
afterEach(async () => {
  await running?.kill('SIGKILL');
  running = undefined;
});

describe.each(DIALECTS)('crash points on %s', (dialect) => {
  for (const { name, body, points } of CASES) {
    it.each(points)(`${name}: SIGKILL %s, restart → ends once, charged at most once`, async (point) => {
      const dataDir = tempDir();
      const databaseUrl = await freshDatabaseUrl(dialect);
      const config = {
        limits: { requests_per_minute: 0 },
        tasks: { lease_ms: 1_000, worker_interval_ms: 100 },
        channels: [{ id: 'demo', provider: 'demo', models: ['gpt-image-2', 'flux-pro'], options: { task_ms: 300 } }],
        ...(databaseUrl ? { database_url: databaseUrl } : {}),
      };
      running = await spawnEasel(dataDir, config, { EASEL_CRASH_AT: point });
      const key = await waitFor(() => /API key:\s+(sk-\S+)/.exec(running!.output())?.[1]);
      const account = await waitFor(() => /Account:\s+(acct_\S+)/.exec(running!.output())?.[1]);
      const create = await fetch(`${running.url}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).catch(() => undefined);
      const taskId = create?.status === 200 ? ((await create.json()) as { id?: string }).id : undefined;
      expect(await running.kill('SIGKILL')).toBe(null);

      running = await spawnEasel(dataDir, config);
      const db = await openDatabase({ databaseUrl, dataDir });
      try {
        let task: { id: string; status: string; error: string | null; result: string | null } | undefined;
        await waitUntil(async () => {
          task = await db.kysely.selectFrom('tasks').select(['id', 'status', 'error', 'result']).executeTakeFirst();
          return task !== undefined && (task.status === 'completed' || task.status === 'failed');
        }, 30_000, `the task to end after a crash at ${point}`);
        // An async task is public (resumed, charged once done) from just before its answer is sent; a
        // crash in the instant between may leave a client without the id of a task that completes.
        const handedOut = Boolean(body.async) && point !== 'after_reserve';
        if (handedOut) {
          if (taskId !== undefined) expect(task!.id).toBe(taskId);
          expect(task!.status).toBe('completed');
          const snap = await (await fetch(`${running.url}/v1/tasks/${task!.id}`, { headers: { authorization: `Bearer ${key}` } })).json();
          expect(snap.data).toHaveLength(1);
          expect((await fetch(snap.data[0].url)).status).toBe(200);
        } else {
          expect(task!.status).toBe('failed');
          expect(JSON.parse(task!.error!).code).toBe('interrupted');
        }
        const settles = await db.kysely.selectFrom('ledger_entries').select('reservation_id').where('kind', '=', 'settle').execute();
        expect(settles).toHaveLength(handedOut ? 1 : 0);
        const balance = await db.kysely.selectFrom('accounts').select('balance_micros').where('id', '=', account).executeTakeFirstOrThrow();
        if (!handedOut) expect(balance.balance_micros).toBe(STARTER_MICROS);
        else expect(balance.balance_micros).toBeLessThan(STARTER_MICROS);
        expect((await checkLedger(db.kysely)).problems).toEqual([]);
      } finally {
        await db.close();
      }
    }, 90_000);
  }
});
