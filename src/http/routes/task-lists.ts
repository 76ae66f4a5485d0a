// GET /v1/tasks (the caller's account's tasks, for the console's history and gallery) and
// GET /admin/v1/tasks (the operator's search by id, account, model and status), newest first.

import type { FastifyInstance } from 'fastify';
import { apiErrors } from '../../api/errors.ts';
import { adminTaskListQuerySchema, taskListQuerySchema } from '../../api/operations/console.ts';
import { parseWith } from '../../api/validate.ts';
import { searchTasks, type TaskSearch } from '../../storage/db/task-search.ts';
import { listView } from '../admin-views.ts';
import type { AppDeps } from '../app.ts';
import { adminTaskListItem, taskListItem } from '../task-list-view.ts';

export function taskListRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'auth' | 'db' | 'blobs'>): void {
  const db = deps.db.kysely;
  const urlFor = (key: string) => deps.blobs.urlFor(key);
  const page = async (search: TaskSearch) => {
    const found = await searchTasks(db, search);
    if (!found) throw apiErrors.invalidRequest(`after: no task in this list with id '${String(search.after).slice(0, 100)}'.`, 'after');
    return found;
  };

  app.get('/v1/tasks', async (request) => {
    const caller = await deps.auth.caller(request);
    const q = parseWith(taskListQuerySchema, request.query);
    const found = await page({ accountId: caller.accountId, model: q.model, status: q.status, requestId: q.request_id, limit: q.limit, after: q.after });
    const data = await Promise.all(found.rows.map((row) => taskListItem(row, urlFor)));
    return listView({ rows: data, hasMore: found.hasMore }, (item) => item);
  });

  app.register(async (admin) => {
    admin.addHook('onRequest', async (request) => deps.auth.requireAdmin(request));
    admin.get('/admin/v1/tasks', async (request) => {
      const q = parseWith(adminTaskListQuerySchema, request.query);
      const found = await page({ id: q.id?.toLowerCase(), accountId: q.account_id, model: q.model, status: q.status, requestId: q.request_id, limit: q.limit, after: q.after });
      const data = await Promise.all(found.rows.map((row) => adminTaskListItem(row, urlFor)));
      return listView({ rows: data, hasMore: found.hasMore }, (item) => item);
    });
  });
}
