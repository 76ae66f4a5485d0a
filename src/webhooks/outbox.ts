// Where a closed task's notification enters the outbox: the hook the task engine runs inside every
// close transaction. A task is notified at the callback_url of its create, else at its key's default;
// a task with neither writes nothing.

import type { TaskCloseHook, TaskRow } from '../tasks/store.ts';
import { insertDelivery } from './deliveries.ts';
import { keyCallbackUrl } from './key-callbacks.ts';

/** The event types a delivery carries (Standard Webhooks `type`). */
export const EVENT_TYPES = { completed: 'image.task.completed', failed: 'image.task.failed' } as const;

/**
 * Tasks whose close queued a delivery, until their close is announced: only those wake the worker (a
 * wake-up costs it a search of the outbox, which most closes, with no callback, do not need). A close
 * that rolled back is never announced; past this many the set is emptied, which only leaves those
 * deliveries to the worker's next poll, as for closes on other replicas.
 */
const MAX_UNANNOUNCED = 10_000;

export interface WebhookOutbox {
  closeHook: TaskCloseHook;
  /** True when this task's close (now committed) queued a delivery: wake the worker. */
  queued(taskId: string): boolean;
}

export function webhookOutbox(retryWindowMs: number): WebhookOutbox {
  const unannounced = new Set<string>();
  return {
    closeHook: async (trx, task) => {
      const url = requestedCallbackUrl(task) ?? (await keyCallbackUrl(trx, task.key_id));
      if (!url) return;
      const eventType = task.status === 'completed' ? EVENT_TYPES.completed : EVENT_TYPES.failed;
      await insertDelivery(trx, { accountId: task.account_id, taskId: task.id, eventType, url, retryWindowMs });
      if (unannounced.size >= MAX_UNANNOUNCED) unannounced.clear();
      unannounced.add(task.id);
    },
    queued: (taskId) => unannounced.delete(taskId),
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
