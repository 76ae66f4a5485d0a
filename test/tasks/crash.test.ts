// SIGKILL at awkward moments, then a restart on the same data: every task reaches exactly one
// terminal state, its images are stored once, and its money is settled or released exactly once.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLedger } from '../../src/billing/ledger.ts';
import { openDatabase } from '../../src/storage/db/open.ts';
import { tempDir } from '../helpers/databases.ts';
import { type EaselProcess, spawnEasel, waitFor } from '../helpers/process.ts';

const config = {
  // These tests poll hard; the per-key limit is tested on its own.
  limits: { requests_per_minute: 0 },
  tasks: { lease_ms: 1_000, worker_interval_ms: 100, wait_budget_ms: 30_000 },
  channels: [{ id: 'demo', provider: 'demo', models: ['midjourney', 'gpt-image-2'], options: { task_ms: 1_500 } }],
};

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

describe('crash safety', () => {
  it('finishes every task exactly once after a SIGKILL mid-task', async () => {
    const dataDir = tempDir();
    running = await spawnEasel(dataDir, config);
    const key = await waitFor(() => /API key:\s+(sk-\S+)/.exec(running!.output())?.[1]);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const body = await (await post(running.url, key, { model: 'midjourney', prompt: `castle ${i}` })).json();
      expect(body.status).toBe('pending');
      ids.push(body.id);
    }
    expect(await running.kill('SIGKILL')).toBe(null);

    running = await spawnEasel(dataDir, config);
    const statuses = await Promise.all(
      ids.map(async (id) => {
        for (;;) {
          const snap = await (await fetch(`${running!.url}/v1/tasks/${id}`, { headers: { authorization: `Bearer ${key}` } })).json();
          if (snap.status === 'completed' || snap.status === 'failed') return snap;
          await new Promise((r) => setTimeout(r, 100));
        }
      }),
    );
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
    const key = await waitFor(() => /API key:\s+(sk-\S+)/.exec(running!.output())?.[1]);
    const account = await waitFor(() => /Account:\s+(acct_\S+)/.exec(running!.output())?.[1]);
    // A slow synchronous request: the process dies while it renders, after its money was reserved.
    void post(running.url, key, { model: 'gpt-image-2', prompt: 'never finished', size: '3840x2160', n: 2, response_format: 'b64_json' }).catch(() => {});
    const db = await openDatabase({ dataDir });
    try {
      let reservedSeen = false;
      for (let i = 0; i < 100 && !reservedSeen; i++) {
        const open = await db.kysely.selectFrom('reservations').select('id').where('status', '=', 'open').execute();
        reservedSeen = open.length > 0;
        if (!reservedSeen) await new Promise((r) => setTimeout(r, 20));
      }
      expect(reservedSeen).toBe(true);
      await running.kill('SIGKILL');

      running = await spawnEasel(dataDir, config);
      let status = '';
      for (let i = 0; i < 200 && status !== 'failed'; i++) {
        const row = await db.kysely.selectFrom('tasks').select(['status', 'error']).executeTakeFirst();
        status = row?.status ?? '';
        if (status !== 'failed') await new Promise((r) => setTimeout(r, 50));
      }
      expect(status).toBe('failed');
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
    const key = await waitFor(() => /API key:\s+(sk-\S+)/.exec(running!.output())?.[1]);
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
    let snap: { status: string } = { status: '' };
    for (let i = 0; i < 200 && snap.status !== 'completed'; i++) {
      snap = await (await fetch(`${running.url}/v1/tasks/${id}`, { headers: { authorization: `Bearer ${key}` } })).json();
      if (snap.status !== 'completed') await new Promise((r) => setTimeout(r, 100));
    }
    expect(snap.status).toBe('completed');
  }, 60_000);
});
