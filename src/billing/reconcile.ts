// At start: every reservation left open by a crash is closed according to its task — never both
// settled and released, never neither. Reservations of tasks still open are left to the task engine,
// which closes them when the task reaches its terminal state.

import type { Kysely } from 'kysely';
import type { Database } from '../storage/db/schema.ts';
import { release, settle } from './ledger.ts';

export interface ReconcileReport {
  settled: number;
  released: number;
  leftToTasks: number;
}

export async function reconcileReservations(db: Kysely<Database>): Promise<ReconcileReport> {
  const report: ReconcileReport = { settled: 0, released: 0, leftToTasks: 0 };
  const open = await db
    .selectFrom('reservations as r')
    .leftJoin('tasks as t', 't.id', 'r.task_id')
    .select(['r.id as id', 't.status as task_status', 't.usage as usage'])
    .where('r.status', '=', 'open')
    .execute();
  for (const r of open) {
    if (r.task_status === 'pending' || r.task_status === 'processing') {
      report.leftToTasks++;
      continue;
    }
    await db.transaction().execute(async (trx) => {
      if (r.task_status === 'completed') {
        // A completed task settles in its own transaction; an open reservation here means its charge was
        // lost, so the customer is charged nothing rather than guessed at.
        if (await settle(trx, r.id, 0, { reason: 'reconciled at start: completed task, charge unknown' })) report.settled++;
      } else if (await release(trx, r.id, r.task_status ? `reconciled at start: task ${r.task_status}` : 'reconciled at start: no task')) {
        report.released++;
      }
    });
  }
  return report;
}
