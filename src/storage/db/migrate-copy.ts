// Copies every row of an Easel SQLite database into another Easel database (PostgreSQL, for `easel
// migrate`): ids and times as they are, in batches. The tables are whatever the migrations made —
// read from the source, not listed here, so a table a later migration adds is copied too — taken
// parents first, as their foreign keys say. The target must be migrated to the same schema and hold
// no rows; the whole copy is one transaction there, so a copy that fails part way leaves the target
// as empty as it found it, and a second run starts afresh. The source is read in one transaction
// too: one snapshot, even beside a live server.

import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.ts';

/** Rows per read and per INSERT: the widest table has about 30 columns, well inside PostgreSQL's 65,535 parameters. */
export const COPY_BATCH_ROWS = 500;
/** Rows rewritten at once: each may copy a 50 MiB image to a remote store. */
const REWRITES_AT_ONCE = 8;
/** SQLite's row id, read beside the columns to page by and dropped before the insert. */
const ROW_ID = '__easel_copy_rowid';

type Row = Record<string, unknown>;
// Table names are read at run time, so the copy speaks to Kysely without its compile-time schema.
type AnyDb = Kysely<any>;

export class TargetNotEmptyError extends Error {
  override name = 'TargetNotEmptyError';
}

export interface CopyOptions {
  batchRows?: number;
  /** Changes a row on its way (blob keys of copied media); by default rows go as they are. */
  rewrite?: (table: string, row: Row) => Promise<Row>;
}

/** Rows copied per table, in the order they were copied; each equal to the target's own count before the commit. */
export type CopyCounts = Record<string, number>;

export async function copyDatabase(source: Kysely<Database>, target: Kysely<Database>, opts: CopyOptions = {}): Promise<CopyCounts> {
  const from = source as AnyDb;
  const tables = await parentsFirst(from);
  const targetTables = new Set((await target.introspection.getTables()).map((t) => t.name));
  const absent = tables.filter((t) => !targetTables.has(t));
  if (absent.length > 0) throw new Error(`the target database has no table ${absent.join(', ')}: it was migrated by another Easel version`);
  return from.transaction().execute((src) =>
    (target as AnyDb).transaction().execute(async (dst) => {
      const present = await rowCounts(dst, tables);
      const filled = tables.filter((t) => present[t] > 0);
      if (filled.length > 0) throw new TargetNotEmptyError(`the target database is not empty (${filled.map((t) => `${t}: ${present[t]} rows`).join(', ')}); migrate copies into an empty one only`);
      const counts: CopyCounts = {};
      for (const table of tables) {
        counts[table] = 0;
        for await (const rows of batches(src, table, opts.batchRows ?? COPY_BATCH_ROWS)) {
          const written = opts.rewrite ? await inParallel(rows, REWRITES_AT_ONCE, (r) => opts.rewrite!(table, r)) : rows;
          await dst.insertInto(table).values(written).execute();
          counts[table] += rows.length;
        }
      }
      const copied = await rowCounts(dst, tables);
      const short = tables.filter((t) => copied[t] !== counts[t]);
      if (short.length > 0) throw new Error(`the copy does not add up (${short.map((t) => `${t}: read ${counts[t]}, target holds ${copied[t]}`).join(', ')}); nothing was committed`);
      return counts;
    }),
  );
}

async function rowCounts(db: AnyDb, tables: readonly string[]): Promise<CopyCounts> {
  const counts: CopyCounts = {};
  for (const table of tables) {
    const row = await db.selectFrom(table).select(sql<number | string>`count(*)`.as('n')).executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

/** The source's tables (not Kysely's own), each after the tables its foreign keys reference. */
async function parentsFirst(db: AnyDb): Promise<string[]> {
  const names = (await db.introspection.getTables()).map((t) => t.name).sort();
  const parents = new Map<string, Set<string>>();
  for (const name of names) {
    const { rows } = await sql<{ parent: string }>`select "table" as parent from pragma_foreign_key_list(${name})`.execute(db);
    parents.set(name, new Set(rows.map((r) => r.parent).filter((p) => p !== name)));
  }
  const order: string[] = [];
  while (order.length < names.length) {
    const ready = names.filter((n) => !order.includes(n) && [...parents.get(n)!].every((p) => order.includes(p)));
    if (ready.length === 0) throw new Error(`the tables' foreign keys form a cycle (${names.filter((n) => !order.includes(n)).join(', ')})`);
    order.push(...ready);
  }
  return order;
}

/** The table in row-id order, `size` rows at a time (keyset paging: no OFFSET rescans; any primary key). */
async function* batches(db: AnyDb, table: string, size: number): AsyncGenerator<Row[]> {
  let last = Number.MIN_SAFE_INTEGER;
  for (;;) {
    const { rows } = await sql<Row>`select rowid as ${sql.id(ROW_ID)}, * from ${sql.table(table)} where rowid > ${last} order by rowid limit ${size}`.execute(db);
    if (rows.length === 0) return;
    last = Number(rows[rows.length - 1][ROW_ID]);
    yield rows.map(({ [ROW_ID]: _rowid, ...columns }) => columns);
    if (rows.length < size) return;
  }
}

/** `fn` over `items`, at most `limit` at a time, results in order. */
async function inParallel<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
