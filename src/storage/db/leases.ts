// Claiming due rows for one worker: the task queue and the webhook outbox lease the same way. A row
// is due when its time has come and no live lease holds it (never leased, handed back, or its holder
// died and the lease lapsed). On PostgreSQL the claim uses FOR UPDATE SKIP LOCKED, so replicas
// claiming at the same moment never take the same row; on SQLite the single writer gives the same.

import { sql } from 'kysely';
import type { Db } from './open.ts';

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
  const table = sql.table(claim.table);
  const due = sql.ref(claim.dueColumn);
  const skipLocked = db.dialect === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : sql``;
  // PostgreSQL refuses a locking clause on a UNION's inputs, not in a subquery of theirs.
  const searches = claim.statuses.map(
    (status, i) => sql`SELECT id, due_at FROM (
      SELECT id, ${due} AS due_at FROM ${table}
      WHERE status = ${status} AND ${due} <= ${now} AND lease_until < ${now}
      ORDER BY ${due}
      LIMIT ${claim.limit}
      ${skipLocked}
    ) AS ${sql.ref(`by_status_${i}`)}`,
  );
  const result = await sql<Row>`
    UPDATE ${table} SET lease_owner = ${claim.owner}, lease_until = ${now + claim.leaseMs}
    WHERE id IN (
      SELECT id FROM (${sql.join(searches, sql` UNION ALL `)}) AS due_rows
      ORDER BY due_at
      LIMIT ${claim.limit}
    )
    AND lease_until < ${now}
    RETURNING *`.execute(db.kysely);
  return result.rows;
}
