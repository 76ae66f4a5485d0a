// The SQL store on both dialects: migrations, accounts, credits and API keys.

import { afterEach, describe, expect, it } from 'vitest';
import { countAccounts, createAccount, creditAccount, findAccount } from '../../src/storage/db/accounts.ts';
import { API_KEY_PREFIX, createApiKey, hashApiKey, listApiKeys, revokeApiKey, verifyApiKey } from '../../src/storage/db/api-keys.ts';
import { migrations } from '../../src/storage/db/migrations.ts';
import { type Db, openDatabase } from '../../src/storage/db/open.ts';
import { DIALECTS, freshDatabaseUrl, tempDir } from '../helpers/databases.ts';

describe.each(DIALECTS)('SQL store on %s', (dialect) => {
  let db: Db | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  async function open(): Promise<Db> {
    db = await openDatabase({ databaseUrl: await freshDatabaseUrl(dialect), dataDir: tempDir() });
    expect(db.dialect).toBe(dialect);
    return db;
  }

  it('rewrites task results stored as URLs into blob keys (migration 0006)', async () => {
    const url = await freshDatabaseUrl(dialect);
    const dataDir = tempDir();
    const first = await openDatabase({ databaseUrl: url, dataDir });
    const account = await createAccount(first.kysely, 'a', 1);
    const key = 'a'.repeat(32) + '.png';
    const old = { data: [{ url: `http://old-host:8080/media/${key}`, revised_prompt: 'p' }, { revised_prompt: 'q', delivered_inline: true }, { url: 'https://elsewhere.example/x.png' }] };
    await first.kysely.insertInto('tasks').values({
      id: 'ldtask_m', account_id: account.id, key_id: 'k', request_id: 'r', model: 'dall-e-2', status: 'completed', progress: 100, request: '{}', channel_id: null, upstream: null,
      result: JSON.stringify(old), error: null, usage: null, reservation_id: null, billing_transaction_id: null, public: 1, polls: 0, created_at: 0, updated_at: 0,
      deadline_at: 0, next_poll_at: 0, lease_owner: null, lease_until: 0, expires_at: Date.now() + 60_000, submit_id: null, uncertain_submits: 0,
    }).execute();
    // The row was written the old way: run the migration over it as an upgrade would.
    await migrations['0006_task_result_blob_keys'].up(first.kysely);
    await first.close();
    db = await openDatabase({ databaseUrl: url, dataDir });
    const row = await db.kysely.selectFrom('tasks').select('result').where('id', '=', 'ldtask_m').executeTakeFirstOrThrow();
    expect(JSON.parse(row.result!)).toEqual({ data: [{ key, revised_prompt: 'p' }, { revised_prompt: 'q', delivered_inline: true }, { url: 'https://elsewhere.example/x.png' }] });
  });

  it('applies migrations once and again without harm', async () => {
    const url = await freshDatabaseUrl(dialect);
    const dataDir = tempDir();
    const first = await openDatabase({ databaseUrl: url, dataDir });
    await createAccount(first.kysely, 'a', 1);
    await first.close();
    db = await openDatabase({ databaseUrl: url, dataDir });
    expect(await countAccounts(db.kysely)).toBe(1);
  });

  it('creates, finds and credits accounts in exact micro-dollars', async () => {
    const { kysely } = await open();
    const account = await createAccount(kysely, 'team', 1_500_000);
    expect(account.id).toMatch(/^acct_[0-9A-Za-z]{24}$/);
    expect((await findAccount(kysely, account.id))?.balance_micros).toBe(1_500_000);
    const credited = await creditAccount(kysely, account.id, 1);
    expect(credited?.balance_micros).toBe(1_500_001);
    expect(await creditAccount(kysely, 'acct_missing', 5)).toBeUndefined();
  });

  it('keeps balances exact under concurrent credits', async () => {
    const { kysely } = await open();
    const account = await createAccount(kysely, 'race', 0);
    await Promise.all(Array.from({ length: 50 }, () => creditAccount(kysely, account.id, 10_000)));
    expect((await findAccount(kysely, account.id))?.balance_micros).toBe(500_000);
  });

  it('stores keys only as hashes and verifies them', async () => {
    const { kysely } = await open();
    const account = await createAccount(kysely, 'k', 0);
    const { record, key } = await createApiKey(kysely, account.id, 'ci');
    expect(key).toMatch(/^sk-[0-9A-Za-z]{48}$/);
    expect(key.startsWith(API_KEY_PREFIX)).toBe(true);
    expect(record.key_hash).toBe(hashApiKey(key));
    const rows = await kysely.selectFrom('api_keys').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(key);

    expect((await verifyApiKey(kysely, key))?.id).toBe(record.id);
    expect(await verifyApiKey(kysely, `${key}x`)).toBeUndefined();
    expect(await verifyApiKey(kysely, 'not-a-key')).toBeUndefined();

    await revokeApiKey(kysely, record.id);
    expect(await verifyApiKey(kysely, key)).toBeUndefined();
    const [listed] = await listApiKeys(kysely, account.id);
    expect(listed.revoked_at).toBeTypeOf('number');
    expect(await revokeApiKey(kysely, 'key_missing')).toBeUndefined();
  });
});
