// Hot statements built and compiled once per SQL dialect instead of on every call: Kysely's builder
// and compiler cost more than SQLite takes to run the statement (19 µs against 8 µs a statement,
// measured), and a request runs a dozen of them.
//
// The builder runs once on stand-ins, unique strings in place of each named value; compiling turns
// them into ordinary parameters, whose places are remembered. Each call only puts its values in those
// places. Queries keep their Kysely types, and the SQL is Kysely's own for each dialect.
//
// What these statements skip is Kysely's per-query work, plugins included: Easel's Kysely has none.

import type { Compilable, Insertable, Kysely, QueryResult, RootOperationNode, Transaction } from 'kysely';
import type { Dialect } from './open.ts';
import type { Database } from './schema.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** A parameter's place in the compiled SQL: one of the caller's named values, or a constant of the build. */
type Slot = { name: string; value?: undefined } | { name?: undefined; value: unknown };

interface Plan {
  sql: string;
  query: RootOperationNode;
  slots: Slot[];
}

/** Cannot occur in a real value Easel binds (ids, JSON, numbers), so it marks stand-ins unambiguously. */
const MARK = '\u0000easel-param:';

const standIns = new Proxy({} as Record<string, unknown>, { get: (_, name) => (typeof name === 'string' ? MARK + name : undefined) });

function plan(query: Compilable<unknown>): Plan {
  const compiled = query.compile();
  // A stand-in that went into the SQL text instead of a parameter (sql.raw, a table name) would be
  // wrong for every other value: refuse such a statement when it is first used.
  if (compiled.sql.includes(MARK)) throw new Error(`prepared statement writes a value into its SQL text: ${compiled.sql}`);
  const slots = compiled.parameters.map((value): Slot => (typeof value === 'string' && value.startsWith(MARK) ? { name: value.slice(MARK.length) } : { value }));
  return { sql: compiled.sql, query: compiled.query, slots };
}

/**
 * A statement whose values are named by `P`. `build` must not branch on those values (they are
 * stand-ins while it runs): a statement with two shapes is two prepared statements.
 */
export function prepared<P extends object, R = unknown>(build: (db: Executor, p: P) => Compilable<R>): (db: Executor, params: P) => Promise<QueryResult<R>> {
  // Keyed by the dialect's adapter class: SQLite and PostgreSQL compile the same builder differently.
  const plans = new Map<unknown, Plan>();
  return async (db, params) => {
    const dialect = db.getExecutor().adapter.constructor;
    let p = plans.get(dialect);
    if (!p) {
      p = plan(build(db, standIns as P));
      plans.set(dialect, p);
    }
    const values = params as Record<string, unknown>;
    const parameters = new Array<unknown>(p.slots.length);
    for (let i = 0; i < p.slots.length; i++) {
      const slot = p.slots[i]!;
      if (slot.name === undefined) {
        parameters[i] = slot.value;
        continue;
      }
      const value = values[slot.name];
      if (value === undefined) throw new Error(`prepared statement: no value for ${slot.name}`);
      parameters[i] = value;
    }
    return db.executeQuery<R>({ sql: p.sql, parameters, query: p.query, queryId: { queryId: '' } });
  };
}

type TableName = keyof Database & string;
const inserts = new Map<string, (db: Executor, row: Record<string, unknown>) => Promise<QueryResult<unknown>>>();

/**
 * Inserts one row through a prepared statement for its table and set of columns (columns left
 * undefined are left out, as Kysely's `values` does).
 */
export function insertRow<T extends TableName>(db: Executor, table: T, row: Insertable<Database[T]>): Promise<QueryResult<unknown>> {
  const record = row as Record<string, unknown>;
  const columns = Object.keys(record).filter((column) => record[column] !== undefined);
  const key = `${table}(${columns.join(',')})`;
  let insert = inserts.get(key);
  if (!insert) {
    insert = prepared((trx, p: Record<string, unknown>) => trx.insertInto(table).values(Object.fromEntries(columns.map((c) => [c, p[c]])) as any));
    inserts.set(key, insert);
  }
  return insert(db, record);
}

/**
 * Parameter markers for SQL text written by hand, one per call in the order the text names its
 * values: `$1`, `$2`, … on PostgreSQL, `?` on SQLite (whose parameters are positional).
 */
export function parameterMarkers(dialect: Dialect): () => string {
  let n = 0;
  return dialect === 'postgres' ? () => `$${++n}` : () => '?';
}
