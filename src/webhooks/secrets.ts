// Each account's webhook signing secrets. The current one has no expiry; a rotation gives the current
// one an expiry (the overlap, during which both sign) and drops any older one, so at most two secrets
// sign at a time. Secrets are kept in the clear: an HMAC key has to be, to sign with it.

import { type Kysely, sql, type Transaction } from 'kysely';
import type { Dialect } from '../storage/db/open.ts';
import type { Database } from '../storage/db/schema.ts';
import { newId } from '../util/ids.ts';
import { newSigningSecret } from './signing.ts';

export interface RotatedSecret {
  secret: string;
  createdAt: number;
  /** Until when the secret it replaced keeps signing; null when there was none. */
  previousExpiresAt: number | null;
}

/** A new current secret for the account; the one it replaces signs for `overlapMs` more. */
export async function rotateSecret(db: Kysely<Database>, dialect: Dialect, accountId: string, overlapMs: number): Promise<RotatedSecret> {
  return db.transaction().execute(async (trx) => {
    await lockAccount(trx, dialect, accountId);
    const now = Date.now();
    await trx.deleteFrom('webhook_secrets').where('account_id', '=', accountId).where('expires_at', 'is not', null).execute();
    const replaced = await trx.updateTable('webhook_secrets').set({ expires_at: now + overlapMs }).where('account_id', '=', accountId).where('expires_at', 'is', null).executeTakeFirst();
    const secret = await insertSecret(trx, accountId, now);
    return { secret, createdAt: now, previousExpiresAt: Number(replaced.numUpdatedRows) > 0 ? now + overlapMs : null };
  });
}

/** The account's first secret when it has none yet (returned, to be shown once); undefined when it has one. */
export async function ensureSecret(db: Kysely<Database>, dialect: Dialect, accountId: string): Promise<string | undefined> {
  return db.transaction().execute(async (trx) => {
    await lockAccount(trx, dialect, accountId);
    if (await hasSecret(trx, accountId)) return undefined;
    return insertSecret(trx, accountId, Date.now());
  });
}

export async function hasSecret(db: Kysely<Database> | Transaction<Database>, accountId: string): Promise<boolean> {
  const row = await db.selectFrom('webhook_secrets').select('id').where('account_id', '=', accountId).where('expires_at', 'is', null).executeTakeFirst();
  return row !== undefined;
}

/** Every secret that signs now, newest first. */
export async function liveSecrets(db: Kysely<Database>, accountId: string, now = Date.now()): Promise<string[]> {
  const rows = await db
    .selectFrom('webhook_secrets')
    .select('secret')
    .where('account_id', '=', accountId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => r.secret);
}

async function insertSecret(trx: Transaction<Database>, accountId: string, now: number): Promise<string> {
  const secret = newSigningSecret();
  await trx.insertInto('webhook_secrets').values({ id: newId('whs'), account_id: accountId, secret, created_at: now, expires_at: null }).execute();
  return secret;
}

/** Two rotations of one account at once on PostgreSQL take turns (SQLite has one writer anyway). */
async function lockAccount(trx: Transaction<Database>, dialect: Dialect, accountId: string): Promise<void> {
  if (dialect === 'postgres') await sql`select id from accounts where id = ${accountId} for update`.execute(trx);
}
