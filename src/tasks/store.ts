// Task rows: created with their reservation in one transaction, leased by workers, and closed exactly
// once together with their reservation (completed → settle, failed → release). Every state change is
// compare-and-set, so two workers, or a worker and a restarted process, cannot both close a task.

import { type Kysely, type Transaction } from 'kysely';
import { release, reserve, settle } from '../billing/ledger.ts';
import type { Pricing } from '../billing/quote.ts';
import { leaseDueRows } from '../storage/db/leases.ts';
import type { Db } from '../storage/db/open.ts';
import type { Database, IdempotencyKeysTable, TasksTable, TaskStatus } from '../storage/db/schema.ts';
import { notifyTaskClosed } from '../storage/db/task-notifications.ts';
import { writeTransaction } from '../storage/db/group-commit.ts';
import { insertRow, prepared } from '../storage/db/prepared.ts';
import { timeOrderedHex } from '../util/ids.ts';

export type TaskRow = TasksTable;

const TERMINAL: readonly TaskStatus[] = ['completed', 'failed'];

export function newTaskId(): string {
  return `ldtask_${timeOrderedHex(16)}`;
}

export interface NewTask {
  id: string;
  accountId: string;
  keyId: string;
  requestId: string;
  model: string;
  request: unknown;
  quote: Pricing;
  public: boolean;
  deadlineAt: number;
  expiresAt: number;
  leaseOwner: string;
  leaseMs: number;
}

/** An idempotency key row for the task being created (its task id is filled in here). */
export type NewIdempotencyKey = Omit<IdempotencyKeysTable, 'task_id' | 'file_id'>;

/**
 * Reserves the quote and records the task in one transaction: no task without money held, and no hold
 * without a task. `idempotencyKey` (a create that sent Idempotency-Key) is recorded first in the same
 * transaction: when another request holds that account and key, the insert fails on the primary key
 * (on PostgreSQL after waiting for the other's commit) and nothing is created or reserved.
 */
export async function createTask(db: Kysely<Database>, t: NewTask, idempotencyKey?: NewIdempotencyKey): Promise<TaskRow> {
  const now = Date.now();
  return writeTransaction(db, async (trx) => {
    if (idempotencyKey) await insertRow(trx, 'idempotency_keys', { ...idempotencyKey, task_id: t.id, file_id: null });
    let row!: TaskRow;
    // The task row goes in before the hold's UPDATEs of the key and the account (see reserve).
    const recordTask = async (reservation: { id: string }) => {
      row = newTaskRow(t, reservation.id, now);
      await insertRow(trx, 'tasks', row);
    };
    await reserve(trx, {
      accountId: t.accountId,
      keyId: t.keyId,
      requestId: t.requestId,
      taskId: t.id,
      model: t.model,
      quotedMicros: t.quote.micros,
      priceVersion: t.quote.priceVersion,
      quote: t.quote.basis,
    }, now, recordTask);
    return row;
  });
}

function newTaskRow(t: NewTask, reservationId: string, now: number): TaskRow {
  return {
    id: t.id,
    account_id: t.accountId,
    key_id: t.keyId,
    request_id: t.requestId,
    model: t.model,
    status: 'pending',
    progress: null,
    request: JSON.stringify(t.request),
    channel_id: null,
    upstream: null,
    result: null,
    error: null,
    usage: null,
    reservation_id: reservationId,
    billing_transaction_id: null,
    public: t.public ? 1 : 0,
    polls: 0,
    created_at: now,
    updated_at: now,
    deadline_at: t.deadlineAt,
    next_poll_at: now,
    lease_owner: t.leaseOwner,
    lease_until: now + t.leaseMs,
    expires_at: t.expiresAt,
    submit_id: null,
    uncertain_submits: 0,
  };
}

export async function findTask(db: Kysely<Database>, id: string): Promise<TaskRow | undefined> {
  return db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Marks a task as handed to the client (its id was returned); only while it is still open. */
export async function makePublic(db: Kysely<Database>, id: string): Promise<void> {
  await db.updateTable('tasks').set({ public: 1, updated_at: Date.now() }).where('id', '=', id).execute();
}

/** An update only the lease holder can make, and only while the task is open. */
async function updateHeldOpenTask(db: Kysely<Database>, id: string, owner: string, set: Partial<TaskRow>): Promise<boolean> {
  const res = await db
    .updateTable('tasks')
    .set(set)
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('status', 'in', ['pending', 'processing'])
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Progress, upstream reference and deadline of a task this worker holds. */
export function updateOpenTask(
  db: Kysely<Database>,
  id: string,
  owner: string,
  patch: Partial<Pick<TaskRow, 'status' | 'progress' | 'upstream' | 'channel_id' | 'next_poll_at' | 'polls' | 'deadline_at' | 'submit_id' | 'uncertain_submits'>>,
): Promise<boolean> {
  return updateHeldOpenTask(db, id, owner, { ...patch, updated_at: Date.now() });
}

/** Extends the lease; `updated` stays as it was, since nothing about the task changed. */
export function renewLease(db: Kysely<Database>, id: string, owner: string, leaseMs: number): Promise<boolean> {
  return updateHeldOpenTask(db, id, owner, { lease_until: Date.now() + leaseMs });
}

/**
 * Claims up to `limit` due tasks whose lease lapsed or was handed back (storage/db/leases.ts: FOR
 * UPDATE SKIP LOCKED on PostgreSQL, so replicas polling at the same moment never claim the same task).
 */
export function leaseDueTasks(db: Db, owner: string, limit: number, leaseMs: number): Promise<TaskRow[]> {
  return leaseDueRows<TaskRow>(db, { table: 'tasks', statuses: ['pending', 'processing'], dueColumn: 'next_poll_at', owner, limit, leaseMs });
}

/**
 * Told of each close inside its transaction, with the closed row: what it writes commits with the close
 * or not at all (the webhook outbox row, so no closed task is ever left without its notification).
 */
export type TaskCloseHook = (trx: Transaction<Database>, closed: TaskRow) => Promise<void>;

const closeCompleted = prepared((db, p: { result: string; usage: string | null; reservationId: string | null; now: number; id: string }) =>
  db
    .updateTable('tasks')
    .set({ status: 'completed', progress: 100, result: p.result, usage: p.usage, billing_transaction_id: p.reservationId, lease_owner: null, lease_until: 0, updated_at: p.now })
    .where('id', '=', p.id)
    .where('status', 'in', ['pending', 'processing'])
    .returningAll(),
);

const closeFailed = prepared((db, p: { error: string; now: number; id: string }) =>
  db
    .updateTable('tasks')
    .set({ status: 'failed', error: p.error, lease_owner: null, lease_until: 0, updated_at: p.now })
    .where('id', '=', p.id)
    .where('status', 'in', ['pending', 'processing'])
    .returningAll(),
);

/** Completes the task and settles its reservation, in one transaction, exactly once. */
export async function completeTask(
  db: Db,
  task: TaskRow,
  result: unknown,
  usage: unknown,
  charge: Pricing,
  images: number,
  onClose?: TaskCloseHook,
): Promise<TaskRow | undefined> {
  const now = Date.now();
  return writeTransaction(db.kysely, async (trx) => {
    // The closed row comes back with the close (no read-back): the close hook and the caller need it.
    const closed = (await closeCompleted(trx, { result: JSON.stringify(result), usage: usage === undefined ? null : JSON.stringify(usage), reservationId: task.reservation_id, now, id: task.id })).rows[0];
    if (!closed) return undefined;
    await notifyTaskClosed(trx, task.id);
    await onClose?.(trx, closed);
    // Last: handing back the unused part updates the key's and the account's rows (see reserve).
    if (task.reservation_id) await settle(trx, task.reservation_id, charge.micros, { ...charge.basis, price_version: charge.priceVersion }, now, images);
    return closed;
  });
}

/** Fails the task and releases its reservation in full, in one transaction, exactly once. */
export async function failTask(db: Db, task: Pick<TaskRow, 'id' | 'reservation_id'>, error: { code: string; message: string }, onClose?: TaskCloseHook): Promise<boolean> {
  const now = Date.now();
  return writeTransaction(db.kysely, async (trx) => {
    const closed = (await closeFailed(trx, { error: JSON.stringify(error), now, id: task.id })).rows[0];
    if (!closed) return false;
    await notifyTaskClosed(trx, task.id);
    await onClose?.(trx, closed);
    if (task.reservation_id) await release(trx, task.reservation_id, `task failed: ${error.code}`, now);
    return true;
  });
}

/**
 * Terminal tasks past their retention; returns them so their images can be deleted too. Idempotency
 * keys past their window go in the same sweep (a key never outlives its task: its window is capped
 * by the retention).
 */
export async function takeExpiredTasks(db: Kysely<Database>, limit = 500): Promise<TaskRow[]> {
  const now = Date.now();
  await db.deleteFrom('idempotency_keys').where('expires_at', '<', now).execute();
  const rows = await db.selectFrom('tasks').selectAll().where('expires_at', '<', now).where('status', 'in', TERMINAL).limit(limit).execute();
  if (rows.length > 0) await db.deleteFrom('tasks').where('id', 'in', rows.map((r) => r.id)).execute();
  return rows;
}
