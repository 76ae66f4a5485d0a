// Task status: GET /v1/tasks/{id} and its two aliases share one handler and one shape. A task of
// another account is indistinguishable from one that does not exist.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiErrors } from '../../api/errors.ts';
import type { Caller } from '../../api/requests.ts';
import type { AppDeps } from '../app.ts';
import { findTask, type TaskRow } from '../../tasks/store.ts';
import { taskSnapshotBody } from '../../tasks/views.ts';

const TASK_ID = /^ldtask_[0-9a-fA-F]{32}$/;

/** The caller's task, live; anything else (malformed, another account's, expired) is the same 404. */
export async function findOwnedTask(db: AppDeps['db']['kysely'], caller: Caller, id: string): Promise<TaskRow> {
  const task = TASK_ID.test(id) ? await findTask(db, id.toLowerCase()) : undefined;
  if (!task || task.account_id !== caller.accountId || task.expires_at < Date.now()) throw apiErrors.asyncTaskNotFound();
  return task;
}

export function taskRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'auth' | 'db' | 'blobs'>): void {
  const show = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const caller = await deps.auth.caller(request);
    const task = await findOwnedTask(deps.db.kysely, caller, request.params.id);
    reply.header('x-task-id', task.id);
    if (task.billing_transaction_id) reply.header('x-billing-transaction-id', task.billing_transaction_id);
    return reply.send(await taskSnapshotBody(task, (key) => deps.blobs.urlFor(key)));
  };
  app.get('/v1/tasks/:id', show);
  app.get('/v1/images/:id', show);
  app.get('/v1/images/generations/:id', show);

  app.delete<{ Params: { id: string } }>('/v1/tasks/:id', async (request) => {
    const caller = await deps.auth.caller(request);
    const task = TASK_ID.test(request.params.id) ? await findTask(deps.db.kysely, request.params.id.toLowerCase()) : undefined;
    if (!task || task.account_id !== caller.accountId) throw apiErrors.asyncTaskNotFound();
    throw apiErrors.unsupportedTaskCancel();
  });
}
