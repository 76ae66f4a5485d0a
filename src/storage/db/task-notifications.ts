// Cross-process news that a task closed, on PostgreSQL's LISTEN/NOTIFY. The NOTIFY is sent inside
// the transaction that closes the task, so PostgreSQL delivers it only once that commit is visible:
// a listener that hears of a task and reads its row always finds it closed. SQLite is one process
// (plus the CLI), so there the in-process signal is all there is.

import { type Kysely, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Dialect } from './open.ts';
import type { Database } from './schema.ts';

/** The channel name; its payload is the task id. */
const TASK_CLOSED_CHANNEL = 'easel_task_closed';
/** How long a broken listener waits before it connects again. */
const RECONNECT_MS = 1_000;

/** Called inside the closing transaction: on PostgreSQL the notification leaves with the commit. */
export async function notifyTaskClosed(trx: Transaction<Database> | Kysely<Database>, dialect: Dialect, taskId: string): Promise<void> {
  if (dialect === 'postgres') await sql`select pg_notify(${TASK_CLOSED_CHANNEL}, ${taskId})`.execute(trx);
}

export interface TaskClosedListener {
  close(): Promise<void>;
}

/**
 * One dedicated connection (LISTEN needs a session, so not a pooled one) that hands every task id
 * closed anywhere to `onClosed`. A lost connection is reopened; notifications sent while it was
 * down are missed, so a waiter keeps a slow read of the row as its backstop.
 */
export function listenForClosedTasks(databaseUrl: string, onClosed: (taskId: string) => void, onError: (err: Error) => void): TaskClosedListener {
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async () => {
    const c = new pg.Client({ connectionString: databaseUrl });
    const lost = (err: Error) => {
      onError(err);
      c.removeAllListeners();
      void c.end().catch(() => {});
      if (client === c) client = undefined;
      if (!closed) retry = setTimeout(connect, RECONNECT_MS);
    };
    c.on('error', lost);
    c.on('notification', (n) => {
      if (n.channel === TASK_CLOSED_CHANNEL && n.payload) onClosed(n.payload);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${TASK_CLOSED_CHANNEL}`);
      if (closed) await c.end();
      else client = c;
    } catch (err) {
      lost(err as Error);
    }
  };
  void connect();

  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      if (c) {
        c.removeAllListeners();
        await c.end().catch(() => {});
      }
    },
  };
}
