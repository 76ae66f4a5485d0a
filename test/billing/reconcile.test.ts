// The start-up reconciler closes reservations a crash left open, according to their task: never both
// settled and released, never neither; open tasks keep theirs for the task engine.

import { afterEach, describe, expect, it } from 'vitest';
import { checkLedger, reserve } from '../../src/billing/ledger.ts';
import { reconcileReservations } from '../../src/billing/reconcile.ts';
import { createAccount, findAccount } from '../../src/storage/db/accounts.ts';
import { createApiKey } from '../../src/storage/db/api-keys.ts';
import { type Db, openDatabase } from '../../src/storage/db/open.ts';
import { DIALECTS, freshDatabaseUrl, tempDir } from '../helpers/databases.ts';

describe.each(DIALECTS)('reconciler on %s', (dialect) => {
  let db: Db;
  afterEach(() => db.close());

  it('releases orphans and failed tasks, settles completed ones, leaves open tasks alone, exactly once', async () => {
    db = await openDatabase({ databaseUrl: await freshDatabaseUrl(dialect), dataDir: tempDir() });
    const k = db.kysely;
    const account = await createAccount(k, 'r', 1_000_000);
    const { record: key } = await createApiKey(k, account.id, 'r');
    const hold = (taskId: string) =>
      k.transaction().execute((trx) => reserve(trx, { accountId: account.id, keyId: key.id, requestId: 'req', taskId, model: 'dall-e-2', quotedMicros: 100_000, priceVersion: 'v', quote: {} }));
    const task = (id: string, status: string, reservationId: string) =>
      k.insertInto('tasks').values({
        id, account_id: account.id, key_id: key.id, request_id: 'req', model: 'dall-e-2', status: status as never, progress: null, request: '{}', channel_id: null, upstream: null, result: null,
        error: null, usage: null, reservation_id: reservationId, billing_transaction_id: null, public: 1, polls: 0, created_at: 0, updated_at: 0, deadline_at: 0, next_poll_at: 0,
        lease_owner: null, lease_until: 0, expires_at: Date.now() + 60_000, submit_id: null, uncertain_submits: 0,
      }).execute();

    const orphan = await hold('ldtask_gone');
    const failed = await hold('ldtask_failed');
    await task('ldtask_failed', 'failed', failed.id);
    const running = await hold('ldtask_running');
    await task('ldtask_running', 'processing', running.id);
    const completed = await hold('ldtask_completed');
    await task('ldtask_completed', 'completed', completed.id);

    expect(await reconcileReservations(k)).toEqual({ settled: 1, released: 2, leftToTasks: 1 });
    expect(await reconcileReservations(k)).toEqual({ settled: 0, released: 0, leftToTasks: 1 });
    const statuses = Object.fromEntries((await k.selectFrom('reservations').select(['id', 'status']).execute()).map((r) => [r.id, r.status]));
    expect(statuses).toEqual({ [orphan.id]: 'released', [failed.id]: 'released', [running.id]: 'open', [completed.id]: 'settled' });
    // Orphan and failed give their 0.10 back; the running one stays held; the completed one is charged nothing (its charge was lost).
    expect((await findAccount(k, account.id))?.balance_micros).toBe(1_000_000 - 100_000);
    expect((await checkLedger(k)).problems).toEqual([]);
  });
});
