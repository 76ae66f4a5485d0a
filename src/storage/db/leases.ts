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

/** Leases up to `limit` due rows to `owner`, soonest due first, and returns them. */
export async function leaseDueRows<Row>(db: Db, claim: LeaseClaim): Promise<Row[]> {
  const now = Date.now();
  const table = sql.table(claim.table);
  const due = sql.ref(claim.dueColumn);
  const skipLocked = db.dialect === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : sql``;
  const result = await sql<Row>`
    UPDATE ${table} SET lease_owner = ${claim.owner}, lease_until = ${now + claim.leaseMs}
    WHERE id IN (
      SELECT id FROM ${table}
      WHERE status IN (${sql.join(claim.statuses)}) AND ${due} <= ${now} AND lease_until < ${now}
      ORDER BY ${due}
      LIMIT ${claim.limit}
      ${skipLocked}
    )
    RETURNING *`.execute(db.kysely);
  return result.rows;
}
