// Claiming due rows for one worker: the task queue and the webhook outbox lease the same way. A row
// is due when its time has come and no live lease holds it (never leased, handed back, or its holder
// died and the lease lapsed). On PostgreSQL the claim uses FOR UPDATE SKIP LOCKED, so replicas
// claiming at the same moment never take the same row; on SQLite the single writer gives the same.

import { CompiledQuery } from 'kysely';
import type { Db } from './open.ts';
import { parameterMarkers } from './prepared.ts';

export interface LeaseClaim {
  table: 'tasks' | 'webhook_deliveries';
  /** Statuses of rows still to be worked on. */
  statuses: readonly string[];
  /** The column holding when a row is next due (unix ms). */
  dueColumn: 'next_poll_at' | 'next_attempt_at';
  owner: string;
  limit: number;
  leaseMs: number;
}

/**
 * Leases up to `limit` due rows to `owner`, soonest due first, and returns them.
 *
 * Each status is searched on its own, in the (status, due) index's order, stopping at `limit`; the few
 * found are then merged by due time. One search over `status IN (...)` cannot follow the index's
 * order, so it read and sorted every due row to keep `limit` of them: with thousands of tasks due
 * that was most of the task worker's CPU (bench/tasks/pending-tasks.ts).
 */
export async function leaseDueRows<Row>(db: Db, claim: LeaseClaim): Promise<Row[]> {
  const now = Date.now();
  // In the order the statement text names them (SQLite's parameters are positional).
  const parameters: unknown[] = [claim.owner, now + claim.leaseMs];
  for (const status of claim.statuses) parameters.push(status, now, now, claim.limit);
  parameters.push(claim.limit, now);
  const result = await db.kysely.executeQuery<Row>(CompiledQuery.raw(statementFor(db.dialect, claim), parameters));
  return result.rows;
}

/**
 * The claim's statement text, built once per shape: the worker leases several times a second, and
 * Kysely's sql template rebuilt and compiled the same text every time (tens of µs of JavaScript a
 * lease). Table and column names come from LeaseClaim's closed unions; every value is a parameter.
 */
function statementFor(dialect: Db['dialect'], claim: LeaseClaim): string {
  const key = `${dialect}:${claim.table}:${claim.dueColumn}:${claim.statuses.length}`;
  let text = statements.get(key);
  if (text) return text;
  const param = parameterMarkers(dialect);
  const { table, dueColumn: due } = claim;
  const skipLocked = dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  const lease = `SET lease_owner = ${param()}, lease_until = ${param()}`;
  // PostgreSQL refuses a locking clause on a UNION's inputs, not in a subquery of theirs.
  const searches = claim.statuses.map(
    (_status, i) =>
      `SELECT id, due_at FROM (SELECT id, ${due} AS due_at FROM ${table} ` +
      `WHERE status = ${param()} AND ${due} <= ${param()} AND lease_until < ${param()} ORDER BY ${due} LIMIT ${param()}${skipLocked}) AS by_status_${i}`,
  );
  text =
    `UPDATE ${table} ${lease} ` +
    `WHERE id IN (SELECT id FROM (${searches.join(' UNION ALL ')}) AS due_rows ORDER BY due_at LIMIT ${param()}) ` +
    `AND lease_until < ${param()} RETURNING *`;
  statements.set(key, text);
  return text;
}

const statements = new Map<string, string>();
