// PostgreSQL goes away under load (`pg_ctl stop -m immediate`) and comes back. The server stays up:
// requests that need the database answer 503 database_unavailable (retryable, Retry-After), /readyz
// says not ready while /healthz stays alive, and service resumes by itself once the database returns.
// Tasks in flight through the outage end exactly once and the books balance.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedger } from '../../src/billing/ledger.ts';
import { openDatabase } from '../../src/storage/db/open.ts';
import { freshDatabaseUrl, tempDir } from '../helpers/databases.ts';
import { waitUntil } from '../helpers/poll.ts';
import { type PgCluster, startPgCluster } from '../helpers/postgres-cluster.ts';
import { type EaselProcess, spawnEasel, waitFor } from '../helpers/process.ts';

const REQUESTS_DURING_OUTAGE = 50;
const IN_FLIGHT_TASKS = 5;
/** Service must resume within this long of the database's return. */
const RECOVERY_MS = 10_000;

let cluster: PgCluster;
let running: EaselProcess | undefined;

beforeAll(async () => {
  cluster = await startPgCluster();
});
afterAll(async () => {
  if (process.env.DEBUG_OUTAGE) console.log(running?.output().slice(-4000));
  await running?.kill('SIGKILL');
  cluster?.remove();
});

describe('losing PostgreSQL', () => {
  it(`answers ${REQUESTS_DURING_OUTAGE} requests 503 database_unavailable without exiting, then recovers without a restart`, async () => {
    const databaseUrl = (await freshDatabaseUrl('postgres', cluster.url))!;
    running = await spawnEasel(tempDir(), {
      database_url: databaseUrl,
      limits: { requests_per_minute: 0 },
      tasks: { lease_ms: 1_000, worker_interval_ms: 100 },
      channels: [{ id: 'demo', provider: 'demo', models: ['midjourney', 'gpt-image-2'], options: { task_ms: 1_500 } }],
    });
    const { url } = running;
    const key = await waitFor(() => /API key:\s+(sk-\S+)/.exec(running!.output())?.[1]);
    const generate = (model: string, prompt: string) =>
      fetch(`${url}/v1/images/generations`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model, prompt, size: '1024x1024' }) });

    // Load before the outage: tasks that will be mid-poll when the database goes.
    const taskIds: string[] = [];
    for (let i = 0; i < IN_FLIGHT_TASKS; i++) {
      const created = await (await generate('midjourney', `through the outage ${i}`)).json();
      expect(created.status).toBe('pending');
      taskIds.push(created.id);
    }
    expect((await generate('gpt-image-2', 'before')).status).toBe(200);

    cluster.stop('immediate');
    const answers = await Promise.all(Array.from({ length: REQUESTS_DURING_OUTAGE }, (_, i) => generate('gpt-image-2', `during ${i}`).then(async (res) => ({ res, body: await res.json() }))));
    for (const { res, body } of answers) {
      expect(res.status).toBe(503);
      expect(body.error.code).toBe('database_unavailable');
      expect(body.error.retryable).toBe(true);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    expect(running.child.exitCode).toBe(null);

    cluster.start();
    const back = Date.now();
    await waitUntil(async () => (await generate('gpt-image-2', 'after')).status === 200, RECOVERY_MS, 'a create to succeed again');
    const recoveredInMs = Date.now() - back;
    expect(recoveredInMs).toBeLessThan(RECOVERY_MS);
    if (process.env.DEBUG_OUTAGE) console.log('recovered in', recoveredInMs, 'ms');
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    // The tasks caught mid-poll finish, once each.
    const statuses: string[] = [];
    await waitUntil(async () => {
      statuses.length = 0;
      for (const id of taskIds) statuses.push((await (await fetch(`${url}/v1/tasks/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()).status);
      return statuses.every((s) => s === 'completed' || s === 'failed');
    }, 30_000, 'the in-flight tasks to end');
    expect(statuses).toEqual(Array(IN_FLIGHT_TASKS).fill('completed'));
    expect(running.child.exitCode).toBe(null);
    expect(await running.kill('SIGTERM')).toBe(0);
    running = undefined;

    const db = await openDatabase({ databaseUrl, dataDir: tempDir() });
    try {
      expect((await checkLedger(db.kysely)).problems).toEqual([]);
      const settles = await db.kysely.selectFrom('ledger_entries').select('reservation_id').where('kind', '=', 'settle').execute();
      // Five tasks and two successful creates, each settled once.
      expect(settles).toHaveLength(IN_FLIGHT_TASKS + 2);
      expect(new Set(settles.map((s) => s.reservation_id)).size).toBe(settles.length);
      const open = await db.kysely.selectFrom('reservations').select('id').where('status', '=', 'open').execute();
      expect(open).toEqual([]);
    } finally {
      await db.close();
    }
  }, 120_000);
});
