// Prepared hot statements (storage/db/prepared.ts): built once per dialect on stand-ins, then run with
// each call's values in the stand-ins' places — the same rows as the builder would write, on SQLite
// and PostgreSQL in one process.

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/storage/db/accounts.ts';
import { type Db, openDatabase } from '../../src/storage/db/open.ts';
import { insertRow, prepared } from '../../src/storage/db/prepared.ts';
import { DIALECTS, freshDatabaseUrl, tempDir } from '../helpers/databases.ts';

const dbs = new Map<string, Db>();
beforeAll(async () => {
  for (const dialect of DIALECTS) dbs.set(dialect, await openDatabase({ databaseUrl: await freshDatabaseUrl(dialect), dataDir: tempDir() }));
});
afterAll(async () => {
  for (const db of dbs.values()) await db.close();
});

// One statement object for both dialects, as the hot path uses them: each dialect gets its own plan.
let builds = 0;
const addToBalance = prepared((db, p: { amount: number; id: string; floor: number }) => {
  builds += 1;
  return db
    .updateTable('accounts')
    .set((eb) => ({ balance_micros: eb('balance_micros', '+', p.amount) }))
    .where('id', '=', p.id)
    .where('balance_micros', '>=', p.floor)
    .where('name', '<>', 'constant kept from the build')
    .returning(['id', 'balance_micros']);
});

describe.each(DIALECTS)('prepared statements on %s', (dialect) => {
  const db = () => dbs.get(dialect)!.kysely;

  it('runs with each call’s values, a value used twice in both places, constants kept', async () => {
    const a = await createAccount(db(), `a-${dialect}`, 0);
    const b = await createAccount(db(), `b-${dialect}`, 0);
    const first = await addToBalance(db(), { amount: 5, id: a.id, floor: 0 });
    expect(first.rows).toEqual([{ id: a.id, balance_micros: 5 }]);
    expect((await addToBalance(db(), { amount: 7, id: b.id, floor: 0 })).rows).toEqual([{ id: b.id, balance_micros: 7 }]);
    // The floor is a parameter too: 5 < 6 matches nothing, and nothing changes.
    const refused = await addToBalance(db(), { amount: 1, id: a.id, floor: 6 });
    expect(refused.rows).toEqual([]);
    const balances = await db().selectFrom('accounts').select(['id', 'balance_micros']).where('id', 'in', [a.id, b.id]).orderBy('balance_micros').execute();
    expect(balances).toEqual([{ id: a.id, balance_micros: 5 }, { id: b.id, balance_micros: 7 }]);
  });

  it('runs inside a transaction and rolls back with it', async () => {
    const a = await createAccount(db(), `t-${dialect}`, 0);
    await expect(
      db().transaction().execute(async (trx) => {
        await addToBalance(trx, { amount: 3, id: a.id, floor: 0 });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const row = await db().selectFrom('accounts').select('balance_micros').where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(row.balance_micros).toBe(0);
  });

  it('refuses a call that leaves a value out, before anything runs', async () => {
    const a = await createAccount(db(), `m-${dialect}`, 0);
    await expect(addToBalance(db(), { amount: undefined as unknown as number, id: a.id, floor: 0 })).rejects.toThrow('no value for amount');
  });

  it('inserts rows by their columns, leaving undefined ones out, nulls kept', async () => {
    const a = await createAccount(db(), `i-${dialect}`, 0);
    for (const [n, details] of [[1, '{"x":1}'], [2, null]] as const) {
      await insertRow(db(), 'ledger_entries', {
        id: `led_${dialect}_${n}`,
        account_id: a.id,
        kind: 'adjustment',
        amount_micros: 0,
        charge_micros: n,
        reservation_id: undefined,
        details,
        created_at: n,
      });
    }
    const rows = await db().selectFrom('ledger_entries').select(['id', 'charge_micros', 'details', 'reservation_id']).where('account_id', '=', a.id).orderBy('created_at').execute();
    expect(rows).toEqual([
      { id: `led_${dialect}_1`, charge_micros: 1, details: '{"x":1}', reservation_id: null },
      { id: `led_${dialect}_2`, charge_micros: 2, details: null, reservation_id: null },
    ]);
  });
});

describe('prepared statements, once per dialect', () => {
  it('builds each statement once per dialect, however many calls', () => {
    expect(builds).toBe(DIALECTS.length);
  });

  it('refuses a statement that writes a value into its SQL text', async () => {
    const raw = prepared((db, p: { column: string }) => db.selectFrom('accounts').select(sql.raw(p.column).as('x')));
    await expect(raw(dbs.get('sqlite')!.kysely, { column: 'id' })).rejects.toThrow('writes a value into its SQL text');
  });
});
