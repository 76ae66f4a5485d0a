// Two real Easel processes on one PostgreSQL share the task queue: no task is ever polled by both at
// once, and when one is SIGKILLed mid-way the other takes its tasks over and finishes each exactly once.

import { afterEach, expect, it } from 'vitest';
import { checkLedger } from '../../src/billing/ledger.ts';
import { openDatabase } from '../../src/storage/db/open.ts';
import { BFL_TEST_KEY, type BflEmulator, createBflEmulator } from '../emulators/bfl.ts';
import { freshDatabaseUrl, tempDir } from '../helpers/databases.ts';
import { type EaselProcess, spawnEasel, waitFor } from '../helpers/process.ts';

const TASKS = 8;
let bfl: BflEmulator | undefined;
const running: EaselProcess[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill('SIGKILL')));
  await bfl?.close();
});

it('two processes never poll one task at once, and the survivor of a SIGKILL finishes every task once', async () => {
  bfl = createBflEmulator();
  bfl.pendingPolls = 8;
  bfl.pollLatencyMs = 40;
  await bfl.start();
  const databaseUrl = (await freshDatabaseUrl('postgres'))!;
  const dataDir = tempDir();
  const config = {
    database_url: databaseUrl,
    limits: { requests_per_minute: 0 },
    tasks: { worker_interval_ms: 50, lease_ms: 1_000 },
    channels: [{ id: 'bfl', provider: 'bfl', base_url: bfl.url, api_key: BFL_TEST_KEY, models: ['flux-pro'], options: { poll_interval_ms: 100, poll_hosts: [new URL(bfl.pollHost.url).host] } }],
  };
  const a = await spawnEasel(dataDir, config);
  running.push(a);
  const key = await waitFor(() => /API key:\s+(sk-\S+)/.exec(a.output())?.[1]);
  const b = await spawnEasel(tempDir(), { ...config, data_dir: dataDir });
  running.push(b);

  const ids: string[] = [];
  for (let i = 0; i < TASKS; i++) {
    const res = await fetch(`${a.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'flux-pro', prompt: `shared ${i}`, size: '256x256', async: true }),
    });
    ids.push((await res.json()).id);
  }
  // Let both processes work the queue for a while, then kill one in the middle of it.
  await waitFor(() => ([...bfl!.tasks.values()].reduce((n, t) => n + bfl!.pollCount(t.id), 0) >= (TASKS * bfl!.pendingPolls) / 2 ? true : undefined));
  await a.kill('SIGKILL');

  const snapshots = await Promise.all(
    ids.map(async (id) => {
      for (;;) {
        const snap = await (await fetch(`${b.url}/v1/tasks/${id}`, { headers: { authorization: `Bearer ${key}` } })).json();
        if (snap.status === 'completed' || snap.status === 'failed') return snap;
        await new Promise((r) => setTimeout(r, 100));
      }
    }),
  );
  for (const snap of snapshots) expect(snap.status).toBe('completed');
  expect(bfl.maxConcurrentPollsPerTask()).toBe(1);
  for (const task of bfl.tasks.values()) expect(bfl.pollCount(task.id)).toBeGreaterThanOrEqual(bfl.pendingPolls + 1);

  const db = await openDatabase({ databaseUrl, dataDir });
  try {
    expect((await checkLedger(db.kysely)).problems).toEqual([]);
    const settles = await db.kysely.selectFrom('ledger_entries').select('reservation_id').where('kind', '=', 'settle').execute();
    expect(new Set(settles.map((s) => s.reservation_id)).size).toBe(TASKS);
    expect(settles).toHaveLength(TASKS);
  } finally {
    await db.close();
  }
}, 120_000);
