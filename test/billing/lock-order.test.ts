// Money moves under row locks on the key and the account. Every path takes them in the same order
// (key, then account): a release that took them the other way deadlocked against a reserve on the
// same key on PostgreSQL (40P01) — found by the fleet benchmark, where one of every few concurrent
// creates on one key failed with a 500.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkLedger, release, reserve } from '../../src/billing/ledger.ts';
import { createAccount } from '../../src/storage/db/accounts.ts';
import { createApiKey } from '../../src/storage/db/api-keys.ts';
import { type Db, openDatabase } from '../../src/storage/db/open.ts';
import { freshDatabaseUrl, tempDir } from '../helpers/databases.ts';

let db: Db;
beforeAll(async () => {
  db = await openDatabase({ databaseUrl: await freshDatabaseUrl('postgres'), dataDir: tempDir(), poolSize: 20 });
});
afterAll(() => db?.close());

it('reserves and releases racing on one key and account never deadlock, and the books balance', async () => {
  const account = await createAccount(db.kysely, 'racer', 1_000_000_000);
  const { record: key } = await createApiKey(db.kysely, account.id, 'racer');
  const hold = (i: number) =>
    db.kysely.transaction().execute((trx) =>
      reserve(trx, { accountId: account.id, keyId: key.id, requestId: `req_${i}`, taskId: null, model: 'dall-e-2', quotedMicros: 16_000, priceVersion: 'test', quote: {} }),
    );
  const held = await Promise.all(Array.from({ length: 40 }, (_, i) => hold(i)));
  // Each transaction holds its first lock a moment before it asks for the second, so the two orders meet.
  const outcomes = await Promise.allSettled([
    ...held.map((r) => db.kysely.transaction().execute((trx) => release(trx, r.id, 'race'))),
    ...Array.from({ length: 40 }, (_, i) => hold(100 + i)),
  ]);
  const failures = outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason));
  expect(failures).toEqual([]);
  expect((await checkLedger(db.kysely)).problems).toEqual([]);
});
