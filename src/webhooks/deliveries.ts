// The webhook outbox. A delivery row is written in the transaction that closes its task, so it exists
// exactly when the close committed; workers in every replica lease due rows (FOR UPDATE SKIP LOCKED
// on PostgreSQL, the single writer on SQLite), and each attempt is recorded beside it. State moves are
// compare-and-set on the lease, so a replica that stalled past its lease cannot overwrite the outcome
// of the one that took the delivery over.

import type { Kysely, Transaction } from 'kysely';
import { leaseDueRows } from '../storage/db/leases.ts';
import type { Db } from '../storage/db/open.ts';
import { newestFirstPage, type Page, type PageCursor } from '../storage/db/pages.ts';
import type { Database, WebhookAttemptsTable, WebhookDeliveriesTable } from '../storage/db/schema.ts';
import { newId } from '../util/ids.ts';

export type DeliveryRow = WebhookDeliveriesTable;
export type AttemptRow = WebhookAttemptsTable;

export interface NewDelivery {
  accountId: string;
  taskId: string;
  eventType: string;
  url: string;
  /** How long after now retries may still be scheduled. */
  retryWindowMs: number;
}

/** Called inside the task's closing transaction: due at once. */
export async function insertDelivery(trx: Transaction<Database>, d: NewDelivery): Promise<string> {
  const now = Date.now();
  const id = newId('msg');
  await trx
    .insertInto('webhook_deliveries')
    .values({
      id,
      account_id: d.accountId,
      task_id: d.taskId,
      event_type: d.eventType,
      url: d.url,
      status: 'pending',
      attempts: 0,
      failures: 0,
      created_at: now,
      updated_at: now,
      next_attempt_at: now,
      give_up_at: now + d.retryWindowMs,
      lease_owner: null,
      lease_until: 0,
      delivered_at: null,
    })
    .execute();
  return id;
}

/** Claims up to `limit` due deliveries whose lease lapsed or was handed back. */
export function leaseDueDeliveries(db: Db, owner: string, limit: number, leaseMs: number): Promise<DeliveryRow[]> {
  return leaseDueRows<DeliveryRow>(db, { table: 'webhook_deliveries', statuses: ['pending'], dueColumn: 'next_attempt_at', owner, limit, leaseMs });
}

/** What one attempt saw. */
export interface AttemptRecord {
  startedAt: number;
  latencyMs: number;
  statusCode: number | null;
  error: string | null;
  excerpt: string | null;
}

/** Where the delivery goes after an attempt. */
export type NextStep = { status: 'delivered' } | { status: 'pending'; at: number } | { status: 'dead' };

/**
 * Records the attempt (always: the receiver may have seen it) and, while `owner` still holds the
 * lease, moves the delivery on and hands the lease back. False when the lease was lost (a replay, or
 * another worker after this one stalled): theirs is the next step.
 */
export async function recordAttempt(db: Kysely<Database>, deliveryId: string, owner: string, attempt: AttemptRecord, next: NextStep): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const now = Date.now();
    const counted = await trx
      .updateTable('webhook_deliveries')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), updated_at: now }))
      .where('id', '=', deliveryId)
      .returning('attempts')
      .executeTakeFirst();
    if (!counted) return false;
    await trx
      .insertInto('webhook_attempts')
      .values({
        id: newId('whatt'),
        delivery_id: deliveryId,
        attempt: counted.attempts,
        started_at: attempt.startedAt,
        latency_ms: attempt.latencyMs,
        status_code: attempt.statusCode,
        error: attempt.error,
        excerpt: attempt.excerpt,
      })
      .execute();
    const moved = await trx
      .updateTable('webhook_deliveries')
      .set({
        status: next.status,
        failures: (eb) => (next.status === 'delivered' ? eb.lit(0) : eb('failures', '+', 1)),
        next_attempt_at: next.status === 'pending' ? next.at : now,
        delivered_at: next.status === 'delivered' ? now : null,
        lease_owner: null,
        lease_until: 0,
      })
      .where('id', '=', deliveryId)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1;
  });
}

/** The account's deliveries newest first (of one task when given); undefined when `after` is not one of them. */
export async function listDeliveries(db: Kysely<Database>, accountId: string, opts: { taskId?: string; limit: number; after?: string }): Promise<Page<DeliveryRow> | undefined> {
  let cursor: PageCursor | undefined;
  if (opts.after !== undefined) {
    cursor = await db.selectFrom('webhook_deliveries').select(['id', 'created_at']).where('id', '=', opts.after).where('account_id', '=', accountId).executeTakeFirst();
    if (!cursor) return undefined;
  }
  let query = db.selectFrom('webhook_deliveries').selectAll().where('account_id', '=', accountId);
  if (opts.taskId !== undefined) query = query.where('task_id', '=', opts.taskId);
  return newestFirstPage(query, cursor, opts.limit);
}

/** Every attempt of the given deliveries, oldest first. */
export async function attemptsOf(db: Kysely<Database>, deliveryIds: string[]): Promise<AttemptRow[]> {
  if (deliveryIds.length === 0) return [];
  return db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', deliveryIds).orderBy('delivery_id').orderBy('attempt').execute();
}

/**
 * Makes the account's delivery due now, with a fresh retry window, whatever its state; the same
 * webhook-id goes out again. Undefined when the account has no such delivery.
 */
export async function replayDelivery(db: Kysely<Database>, accountId: string, id: string, retryWindowMs: number): Promise<DeliveryRow | undefined> {
  const now = Date.now();
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', failures: 0, next_attempt_at: now, give_up_at: now + retryWindowMs, lease_owner: null, lease_until: 0, updated_at: now })
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .execute();
  return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
}

/** Removes delivered and dead deliveries created before `cutoff`, with their attempts; returns how many. */
export async function sweepDeliveries(db: Kysely<Database>, cutoff: number, limit = 500): Promise<number> {
  const rows = await db.selectFrom('webhook_deliveries').select('id').where('status', '!=', 'pending').where('created_at', '<', cutoff).limit(limit).execute();
  if (rows.length === 0) return 0;
  const ids = rows.map((r) => r.id);
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('webhook_attempts').where('delivery_id', 'in', ids).execute();
    await trx.deleteFrom('webhook_deliveries').where('id', 'in', ids).execute();
  });
  return rows.length;
}
