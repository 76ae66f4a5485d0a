// News that a task closed, across replicas (storage/db/notifications.ts): the NOTIFY is sent inside
// the transaction that closes the task, so a listener that hears of a task and reads its row always
// finds it closed. A listener that lost its connection misses what was sent meanwhile, so a waiter
// keeps a slow read of the row as its backstop.

import type { Kysely, Transaction } from 'kysely';
import { type Listener, listen, notify } from './notifications.ts';
import type { Database } from './schema.ts';

/** The channel name; its payload is the task id. */
const TASK_CLOSED_CHANNEL = 'easel_task_closed';

export type TaskClosedListener = Listener;

/** Called inside the closing transaction: on PostgreSQL the notification leaves with the commit. */
export async function notifyTaskClosed(trx: Transaction<Database> | Kysely<Database>, taskId: string): Promise<void> {
  await notify(trx, TASK_CLOSED_CHANNEL, taskId);
}

/** Hands every task id closed anywhere to `onClosed`. */
export function listenForClosedTasks(databaseUrl: string, onClosed: (taskId: string) => void, onError: (err: Error) => void): TaskClosedListener {
  return listen(databaseUrl, TASK_CLOSED_CHANNEL, { onPayload: onClosed, onError });
}
