// The public shapes of a task: the create answer and the status snapshot (tokenlab-api.md §2.1, §2.4).

import type { TaskRow } from './store.ts';

export function pollUrl(id: string): string {
  return `/v1/tasks/${id}`;
}

export function taskCreatedBody(task: Pick<TaskRow, 'id' | 'model' | 'created_at'>) {
  return {
    created: Math.floor(task.created_at / 1000),
    id: task.id,
    task_id: task.id,
    status: 'pending' as const,
    poll_url: pollUrl(task.id),
    data: [],
    model: task.model,
  };
}

export function taskSnapshotBody(task: TaskRow) {
  const body: Record<string, unknown> = {
    id: task.id,
    task_id: task.id,
    object: 'image.task',
    poll_url: pollUrl(task.id),
    status: task.status,
    model: task.model,
    created: Math.floor(task.created_at / 1000),
    updated: Math.floor(task.updated_at / 1000),
    data: task.status === 'completed' && task.result ? (JSON.parse(task.result) as { data?: unknown[] }).data ?? [] : [],
  };
  if (task.progress !== null && task.status !== 'failed') body.progress = task.progress;
  if (task.status === 'failed' && task.error) body.error = JSON.parse(task.error);
  if (task.billing_transaction_id) body.billing_transaction_id = task.billing_transaction_id;
  return body;
}
