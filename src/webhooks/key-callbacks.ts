// The default callback URL of an API key: creates made with that key that name no callback_url of
// their own are notified there. Set by the operator (PUT /admin/v1/keys/{id}/callback).

import type { Kysely, Transaction } from 'kysely';
import { prepared } from '../storage/db/prepared.ts';
import type { Database } from '../storage/db/schema.ts';

/** Sets (or with null, removes) a key's default callback URL. */
export async function setKeyCallback(db: Kysely<Database>, keyId: string, url: string | null): Promise<void> {
  if (url === null) {
    await db.deleteFrom('webhook_key_callbacks').where('key_id', '=', keyId).execute();
    return;
  }
  const updatedAt = Date.now();
  await db
    .insertInto('webhook_key_callbacks')
    .values({ key_id: keyId, callback_url: url, updated_at: updatedAt })
    .onConflict((oc) => oc.column('key_id').doUpdateSet({ callback_url: url, updated_at: updatedAt }))
    .execute();
}

const callbackOfKey = prepared((db, p: { keyId: string }) => db.selectFrom('webhook_key_callbacks').select('callback_url').where('key_id', '=', p.keyId));

/** Looked up in every close transaction that names no callback of its own, hence prepared. */
export async function keyCallbackUrl(db: Kysely<Database> | Transaction<Database>, keyId: string): Promise<string | undefined> {
  return (await callbackOfKey(db, { keyId })).rows[0]?.callback_url;
}

/** The account a key belongs to, or undefined when there is no such key. */
export async function keyAccount(db: Kysely<Database>, keyId: string): Promise<string | undefined> {
  const row = await db.selectFrom('api_keys').select('account_id').where('id', '=', keyId).executeTakeFirst();
  return row?.account_id;
}
