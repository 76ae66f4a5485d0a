// Leasing due tasks and handing leases back in batches, on both dialects: the soonest due first across
// statuses, never a row another worker holds, and a hand-back that changes only rows whose lease is
// still the caller's (a lapsed-and-taken lease and a closed task are left as they are).

import { afterEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../src/storage/db/open.ts';
import { handBackLeases, LeaseHandBacks } from '../../src/tasks/lease-batch.ts';
import { leaseDueTasks, type TaskRow } from '../../src/tasks/store.ts';
import { DIALECTS, freshDatabaseUrl, tempDir } from '../helpers/databases.ts';
import { submittedTaskRow } from './task-rows.ts';

describe.each(DIALECTS)('task leases on %s', (dialect) => {
  const opened: Db[] = [];
  afterEach(async () => {
    for (const d of opened.splice(0)) await d.close();
  });
  const open = async () => {
    const d = await openDatabase({ databaseUrl: await freshDatabaseUrl(dialect), dataDir: tempDir() });
    opened.push(d);
    return d;
  };
  const insert = (d: Db, id: string, over: Partial<TaskRow>) => d.kysely.insertInto('tasks').values(submittedTaskRow(id, over)).execute();

  const row = (d: Db, id: string) => d.kysely.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('leases the soonest due tasks across statuses, skipping held and future ones', async () => {
    const d = await open();
    const now = Date.now();
    await insert(d, 'p1', { status: 'pending', next_poll_at: now - 5_000 });
    await insert(d, 'x1', { status: 'processing', next_poll_at: now - 4_000 });
    await insert(d, 'p2', { status: 'pending', next_poll_at: now - 3_000 });
    await insert(d, 'x2', { status: 'processing', next_poll_at: now - 2_000 });
    await insert(d, 'held', { status: 'processing', next_poll_at: now - 9_000, lease_owner: 'B', lease_until: now + 60_000 });
    await insert(d, 'later', { status: 'pending', next_poll_at: now + 60_000 });
    await insert(d, 'done', { status: 'completed', next_poll_at: now - 9_000 });
    const first = await leaseDueTasks(d, 'A', 3, 30_000);
    expect(first.map((t) => t.id).sort()).toEqual(['p1', 'p2', 'x1']);
    expect(first.every((t) => t.lease_owner === 'A' && t.lease_until > now)).toBe(true);
    expect((await leaseDueTasks(d, 'A', 3, 30_000)).map((t) => t.id)).toEqual(['x2']);
    expect(await leaseDueTasks(d, 'A', 3, 30_000)).toEqual([]);
    expect((await row(d, 'held')).lease_owner).toBe('B');
  });

  it('hands back only the leases the caller still holds, and never reopens a closed task', async () => {
    const d = await open();
    const now = Date.now();
    await insert(d, 'mine', { status: 'processing', lease_owner: 'A', lease_until: now + 60_000, polls: 3, updated_at: now - 90_000 });
    await insert(d, 'taken', { status: 'processing', lease_owner: 'B', lease_until: now + 60_000, polls: 3 });
    await insert(d, 'closed', { status: 'completed', lease_owner: null, lease_until: 0, polls: 3 });
    const released = await handBackLeases(d, 'A', [
      { id: 'mine', nextPollAt: now + 15_000, polls: 4 },
      { id: 'taken', nextPollAt: now + 15_000, polls: 4 },
      { id: 'closed', nextPollAt: now + 15_000, polls: 4 },
    ]);
    expect([...released]).toEqual(['mine']);
    // A poll that found it still pending changed nothing a client sees: `updated` stays.
    expect(await row(d, 'mine')).toMatchObject({ lease_owner: null, lease_until: 0, next_poll_at: now + 15_000, polls: 4, public: 1, status: 'processing', updated_at: now - 90_000 });
    expect(await row(d, 'taken')).toMatchObject({ lease_owner: 'B', polls: 3, public: 0, next_poll_at: 0 });
    expect(await row(d, 'closed')).toMatchObject({ status: 'completed', polls: 3, public: 0, next_poll_at: 0 });
  });

  it('gathers concurrent hand-backs into one statement and tells each caller', async () => {
    const d = await open();
    const now = Date.now();
    const ids = Array.from({ length: 40 }, (_, i) => `t${i}`);
    for (const id of ids) await insert(d, id, { status: 'processing', lease_owner: id === 't7' ? 'B' : 'A', lease_until: now + 60_000 });
    let statements = 0;
    const executeQuery = d.kysely.executeQuery.bind(d.kysely);
    d.kysely.executeQuery = ((query: Parameters<typeof executeQuery>[0]) => {
      statements++;
      return executeQuery(query);
    }) as typeof executeQuery;
    const handBacks = new LeaseHandBacks(d, 'A', 5);
    const told = await Promise.all(ids.map((id, i) => handBacks.handBack({ id, nextPollAt: now + i, polls: i })));
    expect(statements).toBe(1);
    expect(told).toEqual(ids.map((id) => id !== 't7'));
    const rows = await d.kysely.selectFrom('tasks').select(['id', 'lease_owner', 'next_poll_at', 'polls']).execute();
    for (const r of rows) {
      const i = Number(r.id.slice(1));
      if (r.id === 't7') expect(r).toMatchObject({ lease_owner: 'B', polls: 0 });
      else expect(r).toMatchObject({ lease_owner: null, next_poll_at: now + i, polls: i });
    }
  });

  it('writes batches past the per-statement row limit in chunks', async () => {
    const d = await open();
    const now = Date.now();
    const ids = Array.from({ length: 1_234 }, (_, i) => `c${i}`);
    await d.kysely.transaction().execute(async (trx) => {
      for (let i = 0; i < ids.length; i += 200) {
        await trx.insertInto('tasks').values(ids.slice(i, i + 200).map((id) => submittedTaskRow(id, { lease_owner: 'A', lease_until: now + 60_000 }))).execute();
      }
    });
    const released = await handBackLeases(d, 'A', ids.map((id) => ({ id, nextPollAt: now + 1, polls: 1 })));
    expect(released.size).toBe(ids.length);
    const left = await d.kysely.selectFrom('tasks').select('id').where('lease_owner', '=', 'A').execute();
    expect(left).toEqual([]);
  });
});
