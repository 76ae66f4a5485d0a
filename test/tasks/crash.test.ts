// SIGKILL at awkward moments, then a restart on the same data: every task reaches exactly one
// terminal state, its images are stored once, and its money is settled or released exactly once.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLedger } from '../../src/billing/ledger.ts';
import { openDatabase } from '../../src/storage/db/open.ts';
import { tempDir } from '../helpers/databases.ts';
import { waitUntil } from '../helpers/poll.ts';
import { type EaselProcess, spawnEasel, waitFor } from '../helpers/process.ts';

const config = {
  // These tests poll hard; the per-key limit is tested on its own.
  limits: { requests_per_minute: 0 },
  tasks: { lease_ms: 1_000, worker_interval_ms: 100, wait_budget_ms: 30_000 },
  channels: [{ id: 'demo', provider: 'demo', models: ['midjourney', 'gpt-image-2'], options: { task_ms: 1_500 } }],
};

/** Bounds of the waits below, each well inside its test's own timeout so a stuck wait names itself. */
const RESERVATION_WAIT_MS = 5_000;
const TASK_END_WAIT_MS = 45_000;
const RESTARTED_TASK_WAIT_MS = 30_000;

let running: EaselProcess | undefined;
afterEach(async () => {
  await running?.kill('SIGKILL');
  running = undefined;
});

function mediaFiles(dataDir: string): string[] {
  const root = path.join(dataDir, 'media');
  try {
    return readdirSync(root).flatMap((shard) => readdirSync(path.join(root, shard)).filter((f) => !f.endsWith('.tmp')));
  } catch {
    return [];
  }
}

async function post(url: string, key: string, json: unknown) {
  return fetch(`${url}/v1/images/generations`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(json) });
}

/** What the process printed for `pattern` (its first group), once it has; bounded by waitFor. */
function printed(pattern: RegExp): Promise<string> {
  return waitFor(() => pattern.exec(running!.output())?.[1], () => running!.output());
}

/** Polls GET /v1/tasks/{id} until the task is completed or failed; fails, with the last status seen, when it is not within timeoutMs. */
async function endedTask(url: string, key: string, id: string, timeoutMs: number): Promise<any> {
  let snap: any;
  const ended = async () => {
    snap = await (await fetch(`${url}/v1/tasks/${id}`, { headers: { authorization: `Bearer ${key}` } })).json();
    return snap.status === 'completed' || snap.status === 'failed';
  };
  try {
    await waitUntil(ended, timeoutMs, `task ${id} to complete or fail`);
  } catch (err) {
    throw new Error(`${(err as Error).message} (last seen: ${JSON.stringify(snap?.status)})`);
  }
  return snap;
}

describe('crash safety', () => {
  it('finishes every task exactly once after a SIGKILL mid-task', async () => {
    const dataDir = tempDir();
    running = await spawnEasel(dataDir, config);
    const key = await printed(/API key:\s+(sk-\S+)/);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const body = await (await post(running.url, key, { model: 'midjourney', prompt: `castle ${i}` })).json();
      expect(body.status).toBe('pending');
      ids.push(body.id);
    }
    expect(await running.kill('SIGKILL')).toBe(null);

    running = await spawnEasel(dataDir, config);
    const statuses = await Promise.all(ids.map((id) => endedTask(running!.url, key, id, TASK_END_WAIT_MS)));
    for (const snap of statuses) {
      expect(snap.status).toBe('completed');
      expect(snap.data).toHaveLength(1);
      expect((await fetch(snap.data[0].url)).status).toBe(200);
    }
    await running.kill('SIGTERM');
    running = undefined;

    const db = await openDatabase({ dataDir });
    try {
      const check = await checkLedger(db.kysely);
      expect(check.problems).toEqual([]);
      const settles = await db.kysely.selectFrom('ledger_entries').select('reservation_id').where('kind', '=', 'settle').execute();
      expect(settles).toHaveLength(5);
      expect(new Set(settles.map((s) => s.reservation_id)).size).toBe(5);
      expect(mediaFiles(dataDir)).toHaveLength(5);
    } finally {
      await db.close();
    }
  }, 90_000);

  it('releases the money of a synchronous request killed between reserve and settle', async () => {
    const dataDir = tempDir();
    running = await spawnEasel(dataDir, config);
    const key = await printed(/API key:\s+(sk-\S+)/);
    const account = await printed(/Account:\s+(acct_\S+)/);
    // A slow synchronous request: the process dies while it renders, after its money was reserved.
    void post(running.url, key, { model: 'gpt-image-2', prompt: 'never finished', size: '3840x2160', n: 2, response_format: 'b64_json' }).catch(() => {});
    const db = await openDatabase({ dataDir });
    try {
      const reservationOpen = async () => (await db.kysely.selectFrom('reservations').select('id').where('status', '=', 'open').execute()).length > 0;
      await waitUntil(reservationOpen, RESERVATION_WAIT_MS, 'the synchronous request to reserve its money');
      await running.kill('SIGKILL');

      running = await spawnEasel(dataDir, config);
      const taskFailed = async () => (await db.kysely.selectFrom('tasks').select('status').executeTakeFirst())?.status === 'failed';
      await waitUntil(taskFailed, RESTARTED_TASK_WAIT_MS, 'the restarted process to fail the interrupted request');
      const row = await db.kysely.selectFrom('tasks').select('error').executeTakeFirstOrThrow();
      expect(JSON.parse(row.error!).code).toBe('interrupted');
      const balance = await db.kysely.selectFrom('accounts').select('balance_micros').where('id', '=', account).executeTakeFirstOrThrow();
      expect(balance.balance_micros).toBe(5_000_000);
      expect((await checkLedger(db.kysely)).problems).toEqual([]);
    } finally {
      await db.close();
    }
  }, 90_000);
});

describe('graceful stop', () => {
  it('hands leased tasks back on SIGTERM, exits 0, and a restart finishes them', async () => {
    const dataDir = tempDir();
    running = await spawnEasel(dataDir, { ...config, channels: [{ ...config.channels[0], options: { task_ms: 2_000 } }] });
    const key = await printed(/API key:\s+(sk-\S+)/);
    const { id } = await (await post(running.url, key, { model: 'midjourney', prompt: 'stop gracefully' })).json();
    expect(await running.kill('SIGTERM')).toBe(0);
    running = undefined;

    const db = await openDatabase({ dataDir });
    try {
      const row = await db.kysely.selectFrom('tasks').select(['status', 'lease_owner']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.status === 'pending' || row.status === 'processing').toBe(true);
      expect(row.lease_owner).toBeNull();
    } finally {
      await db.close();
    }
    running = await spawnEasel(dataDir, config);
    const snap = await endedTask(running.url, key, id, RESTARTED_TASK_WAIT_MS);
    expect(snap.status).toBe('completed');
  }, 60_000);
});
