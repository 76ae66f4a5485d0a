// Task lists: an account's own tasks (GET /v1/tasks) and the operator's search across accounts
// (GET /admin/v1/tasks), newest first, by cursor, filtered by model and status; each row with what
// it cost (its reservation's charge once settled, else the hold).

import type { Kysely } from 'kysely';
import { newestFirstPage, type Page, type PageCursor } from './pages.ts';
import type { Database, TaskStatus, TasksTable } from './schema.ts';

export interface TaskSearch {
  /** Only this account's tasks (the owner's list always sets it). */
  accountId?: string;
  /** Only this task (an operator looking one up). */
  id?: string;
  model?: string;
  status?: TaskStatus;
  /** The request that created it (the X-Request-ID of an inline answer). */
  requestId?: string;
  limit: number;
  /** The id of the last task of the previous page. */
  after?: string;
}

export type TaskListRow = TasksTable & { cost_micros: number | null };

/** One page of tasks; undefined when `after` is not a task the search could list. */
export async function searchTasks(db: Kysely<Database>, search: TaskSearch): Promise<Page<TaskListRow> | undefined> {
  let cursor: PageCursor | undefined;
  if (search.after !== undefined) {
    let q = db.selectFrom('tasks').select(['id', 'created_at']).where('id', '=', search.after);
    if (search.accountId) q = q.where('account_id', '=', search.accountId);
    cursor = await q.executeTakeFirst();
    if (!cursor) return undefined;
  }
  let query = db
    .selectFrom('tasks')
    .selectAll()
    .select((eb) =>
      eb
        .selectFrom('reservations')
        .whereRef('reservations.id', '=', 'tasks.reservation_id')
        .select((inner) => inner.fn.coalesce('reservations.charged_micros', 'reservations.quoted_micros').as('c'))
        .as('cost_micros'),
    );
  if (search.accountId) query = query.where('account_id', '=', search.accountId);
  if (search.id) query = query.where('id', '=', search.id);
  if (search.model) query = query.where('model', '=', search.model);
  if (search.status) query = query.where('status', '=', search.status);
  if (search.requestId) query = query.where('request_id', '=', search.requestId);
  return newestFirstPage(query, cursor, search.limit) as Promise<Page<TaskListRow>>;
}
