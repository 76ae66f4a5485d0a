// Where a closed task's notification enters the outbox: the hook the task engine runs inside every
// close transaction. A task is notified at the callback_url of its create, else at its key's default;
// a task with neither writes nothing.

import type { TaskCloseHook, TaskRow } from '../tasks/store.ts';
import { insertDelivery } from './deliveries.ts';
import { keyCallbackUrl } from './key-callbacks.ts';

/** The event types a delivery carries (Standard Webhooks `type`). */
export const EVENT_TYPES = { completed: 'image.task.completed', failed: 'image.task.failed' } as const;

export function webhookCloseHook(retryWindowMs: number): TaskCloseHook {
  return async (trx, task) => {
    const url = requestedCallbackUrl(task) ?? (await keyCallbackUrl(trx, task.key_id));
    if (!url) return;
    const eventType = task.status === 'completed' ? EVENT_TYPES.completed : EVENT_TYPES.failed;
    await insertDelivery(trx, { accountId: task.account_id, taskId: task.id, eventType, url, retryWindowMs });
  };
}

/** The create's callback_url, kept in the stored request (never sent upstream). */
function requestedCallbackUrl(task: Pick<TaskRow, 'request'>): string | undefined {
  try {
    const stored = JSON.parse(task.request) as { callbackUrl?: unknown };
    return typeof stored.callbackUrl === 'string' ? stored.callbackUrl : undefined;
  } catch {
    // A request that cannot be read cannot name a callback; it must not keep its task from closing.
    return undefined;
  }
}
