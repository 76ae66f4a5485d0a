// Cross-process news on PostgreSQL's LISTEN/NOTIFY: a task closed (tasks/wakeups.ts), an API key was
// revoked or changed (key-cache.ts). A NOTIFY sent inside a transaction leaves with its commit, so a
// listener that hears of a change and reads the row always finds it changed. SQLite is one process
// (plus the CLI), so there the in-process signal is all there is.

import { type Kysely, PostgresAdapter, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

/** How long a broken listener waits before it connects again. */
const RECONNECT_MS = 1_000;

/** Sends `payload` on `channel` with the transaction's commit; nothing on SQLite. */
export async function notify(db: Transaction<Database> | Kysely<Database>, channel: string, payload: string): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) await sql`select pg_notify(${channel}, ${payload})`.execute(db);
}

export interface Listener {
  close(): Promise<void>;
}

export interface ListenHandlers {
  onPayload: (payload: string) => void;
  onError: (err: Error) => void;
  /** Each time the LISTEN is in place, the first time and after every reconnect: what was sent while it was down is missed. */
  onListening?: () => void;
}

/** One dedicated connection (LISTEN needs a session, so not a pooled one); a lost one is reopened. */
export function listen(databaseUrl: string, channel: string, handlers: ListenHandlers): Listener {
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async () => {
    const c = new pg.Client({ connectionString: databaseUrl });
    const lost = (err: Error) => {
      handlers.onError(err);
      c.removeAllListeners();
      void c.end().catch(() => {});
      if (client === c) client = undefined;
      if (!closed) retry = setTimeout(connect, RECONNECT_MS);
    };
    c.on('error', lost);
    c.on('notification', (n) => {
      if (n.channel === channel && n.payload) handlers.onPayload(n.payload);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
      if (closed) {
        await c.end();
        return;
      }
      client = c;
      handlers.onListening?.();
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
