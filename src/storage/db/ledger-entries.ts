// Ledger rows and the balance they move: the SQL billing/ledger.ts and the account queries share.
// Every change of a balance is one append-only entry written in the same transaction.

import type { Kysely, Transaction } from 'kysely';
import { apiErrors } from '../../api/errors.ts';
import { newId } from '../../util/ids.ts';
import { MAX_USD_MICROS } from '../../util/money.ts';
import { insertRow } from './prepared.ts';
import type { Database, LedgerKind } from './schema.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface EntryInput {
  account_id: string;
  kind: LedgerKind;
  amount_micros: number;
  charge_micros?: number;
  reservation_id?: string | null;
  request_id?: string | null;
  task_id?: string | null;
  key_id?: string | null;
  model?: string | null;
  price_version?: string | null;
  details?: unknown;
}

export async function appendEntry(db: Executor, entry: EntryInput, now = Date.now()): Promise<void> {
  await insertRow(db, 'ledger_entries', {
    id: newId('led'),
    account_id: entry.account_id,
    kind: entry.kind,
    amount_micros: entry.amount_micros,
    charge_micros: entry.charge_micros ?? 0,
    reservation_id: entry.reservation_id ?? null,
    request_id: entry.request_id ?? null,
    task_id: entry.task_id ?? null,
    key_id: entry.key_id ?? null,
    model: entry.model ?? null,
    price_version: entry.price_version ?? null,
    details: entry.details === undefined ? null : JSON.stringify(entry.details),
    created_at: now,
  });
}

/** Adds money to an account (credit, or a signed adjustment); false when there is no such account. */
export async function creditBalance(db: Executor, accountId: string, amountMicros: number, kind: 'credit' | 'adjustment' = 'credit', details?: unknown): Promise<boolean> {
  const apply = async (trx: Executor) => {
    const result = await trx
      .updateTable('accounts')
      .set((eb) => ({ balance_micros: eb('balance_micros', '+', amountMicros) }))
      .where('id', '=', accountId)
      // A balance past the exact range would round: the credit is refused, not the balance bent.
      .where('balance_micros', '<=', MAX_USD_MICROS - Math.max(0, amountMicros))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      const exists = await trx.selectFrom('accounts').select('id').where('id', '=', accountId).executeTakeFirst();
      if (!exists) return false;
      throw apiErrors.invalidRequest('This credit would take the balance beyond the largest exact amount, $9007199254.740991.', 'amount_usd');
    }
    await appendEntry(trx, { account_id: accountId, kind, amount_micros: amountMicros, details });
    return true;
  };
  return 'isTransaction' in db && db.isTransaction ? apply(db) : (db as Kysely<Database>).transaction().execute(apply);
}

