// Opens the SQL store: embedded SQLite in the data folder by default, PostgreSQL when DATABASE_URL
// says so. Both sit behind one Kysely instance, so every query is written once.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.ts';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** Where it lives, for humans (never includes a password). */
  description: string;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** SQLite: PRAGMA data_version, which moves when another connection (the CLI) commits to the file. */
  changeCounter?: () => number;
}

const INT8_OID = 20;
/** pg hands bigint columns back as strings; ours hold micro-dollars and milliseconds, well inside 2^53. */
const pgTypes = {
  getTypeParser: (oid: number, format?: any) =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
};

/**
 * How long a query waits for a PostgreSQL connection before it fails as database_unavailable. The
 * wait includes queueing for a free pooled connection, so it must outlast a burst (200 concurrent
 * creates on 10 connections queue for seconds on a loaded machine); a database that is down refuses
 * connections at once and fails sooner.
 */
const PG_CONNECT_TIMEOUT_MS = 30_000;

export interface OpenOptions {
  databaseUrl?: string;
  dataDir: string;
  poolSize?: number;
  /** Told when an idle pooled connection breaks (the server restarted, the network dropped). */
  onConnectionLost?: (err: Error) => void;
}

export async function openDatabase(opts: OpenOptions): Promise<Db> {
  const url = opts.databaseUrl;
  let db: Db;
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10, types: pgTypes as any, connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS });
    // A connection that breaks emits 'error': on the pool while idle, on the client itself while checked
    // out between queries. Unheard, either ends the process. A broken client is dropped by the pool
    // (idle) or when it is released (checked out), and the next query opens a new connection.
    pool.on('error', (err) => opts.onConnectionLost?.(err));
    pool.on('connect', (client) => client.on('error', (err) => opts.onConnectionLost?.(err)));
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const parsed = new URL(url);
    db = {
      kysely,
      dialect: 'postgres',
      description: `PostgreSQL ${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`,
      ping: async () => void (await sql`select 1`.execute(kysely)),
      close: () => kysely.destroy(),
    };
  } else {
    const file = url?.startsWith('sqlite:') ? url.slice('sqlite:'.length) : path.join(opts.dataDir, 'easel.sqlite');
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const sqlite = new BetterSqlite3(file);
    // WAL lets the CLI read and write while a server runs on the same file.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
    const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    // Read on every API key lookup: prepared once (sqlite.pragma() prepares its statement on each call).
    const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
    db = {
      kysely,
      dialect: 'sqlite',
      description: `SQLite ${file}`,
      ping: async () => void (await sql`select 1`.execute(kysely)),
      close: () => kysely.destroy(),
      changeCounter: () => dataVersion.get() as number,
    };
  }
  try {
    await migrateToLatest(db.kysely);
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  return db;
}

/** Distinct SQL texts kept prepared; Easel issues a few dozen, so this bound is never reached in practice. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every SQLite query anew, which costs more than running it. Statements are reused by
 * their SQL text instead (safe: better-sqlite3 runs them synchronously, one at a time).
 */
function withStatementCache(sqlite: BetterSqlite3.Database) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (text: string) => {
      let statement = cache.get(text);
      if (!statement) {
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
        statement = sqlite.prepare(text);
        cache.set(text, statement);
      }
      return statement;
    },
  };
}
