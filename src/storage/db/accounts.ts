// Accounts and their balances. Balance changes beyond plain credits belong to billing/.

import type { Kysely } from 'kysely';
import { newId } from '../../util/ids.ts';
import type { AccountsTable, Database } from './schema.ts';

export type Account = AccountsTable;

export async function createAccount(db: Kysely<Database>, name: string, creditMicros: number): Promise<Account> {
  const account: Account = { id: newId('acct'), name, balance_micros: creditMicros, created_at: Date.now() };
  await db.insertInto('accounts').values(account).execute();
  return account;
}

export async function findAccount(db: Kysely<Database>, id: string): Promise<Account | undefined> {
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function countAccounts(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('accounts').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Adds credit atomically (one UPDATE), so concurrent credits and charges never lose each other. */
export async function creditAccount(db: Kysely<Database>, id: string, amountMicros: number): Promise<Account | undefined> {
  const result = await db
    .updateTable('accounts')
    .set((eb) => ({ balance_micros: eb('balance_micros', '+', amountMicros) }))
    .where('id', '=', id)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return undefined;
  return findAccount(db, id);
}
