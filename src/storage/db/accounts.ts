// Accounts and their balances. Every balance change also writes a ledger entry (ledger-entries.ts).

import { type Kysely, sql } from 'kysely';
import { appendEntry, creditBalance } from './ledger-entries.ts';
import { likeLiteral, newestFirstPage, type Page, type PageCursor } from './pages.ts';
import { newId } from '../../util/ids.ts';
import type { AccountsTable, Database } from './schema.ts';

export type Account = AccountsTable;

export async function createAccount(db: Kysely<Database>, name: string, creditMicros: number): Promise<Account> {
  const account: Account = { id: newId('acct'), name, balance_micros: creditMicros, created_at: Date.now() };
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('accounts').values(account).execute();
    if (creditMicros !== 0) await appendEntry(trx, { account_id: account.id, kind: 'credit', amount_micros: creditMicros, details: { reason: 'initial credit' } }, account.created_at);
  });
  return account;
}

export async function findAccount(db: Kysely<Database>, id: string): Promise<Account | undefined> {
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function countAccounts(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('accounts').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Adds credit atomically (one UPDATE and its ledger entry), so concurrent credits and charges never lose each other. */
export async function creditAccount(db: Kysely<Database>, id: string, amountMicros: number): Promise<Account | undefined> {
  if (!(await creditBalance(db, id, amountMicros))) return undefined;
  return findAccount(db, id);
}

export interface ListAccountsOptions {
  /** Part of the name (any case), or the start of the id. */
  q?: string;
  limit: number;
  /** An account id: list the accounts created before it (newest first). */
  after?: string;
}

/** Accounts newest first, one page; undefined when `after` is not an account. */
export async function listAccounts(db: Kysely<Database>, opts: ListAccountsOptions): Promise<Page<Account> | undefined> {
  let cursor: PageCursor | undefined;
  if (opts.after !== undefined) {
    cursor = await db.selectFrom('accounts').select(['id', 'created_at']).where('id', '=', opts.after).executeTakeFirst();
    if (!cursor) return undefined;
  }
  let query = db.selectFrom('accounts').selectAll();
  const q = opts.q;
  if (q) {
    // lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not. Ids are matched exactly from their start.
    query = query.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['name']), 'like', sql<string>`${`%${likeLiteral(q.toLowerCase())}%`} escape '\\'`),
        eb(eb.fn('substr', ['id', sql.lit(1), sql.lit(q.length)]), '=', q),
      ]),
    );
  }
  return newestFirstPage(query, cursor, opts.limit);
}
