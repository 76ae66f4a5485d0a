// API keys: `sk-` + 48 base62 characters (~285 bits). Only a SHA-256 of the key is stored: keys are
// long random secrets, so a fast hash is enough, and lookup by hash needs no per-key salt.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { newId, randomBase62 } from '../../util/ids.ts';
import { type ApiKeyCache, keyChangedHere, notifyKeyChanged } from './key-cache.ts';
import { newestFirstPage, type Page, type PageCursor } from './pages.ts';
import type { ApiKeysTable, BudgetPeriod, Database } from './schema.ts';

export const API_KEY_PREFIX = 'sk-';
const API_KEY_RANDOM_LENGTH = 48;
const SHOWN_PREFIX_LENGTH = 7;

export type ApiKeyRecord = ApiKeysTable;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * A key's controls as the admin API sets them (null clears one). Setting a budget needs its period; a
 * changed period or a cleared budget starts the count again, a changed amount keeps the period's spend.
 */
export interface KeyControls {
  allowedModels?: string[] | null;
  budget?: { micros: number; period: BudgetPeriod } | null;
  requestsPerMinute?: number | null;
  modelRequestsPerMinute?: Record<string, number> | null;
  syncWaitMs?: number | null;
}

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

/** The stored columns a change of controls writes; only what `controls` names. */
function controlColumns(controls: KeyControls, current?: ApiKeyRecord): Partial<ApiKeyRecord> {
  const columns: Partial<ApiKeyRecord> = {};
  if (controls.allowedModels !== undefined) columns.allowed_models = json(controls.allowedModels);
  if (controls.requestsPerMinute !== undefined) columns.requests_per_minute = controls.requestsPerMinute;
  if (controls.modelRequestsPerMinute !== undefined) columns.model_requests_per_minute = json(controls.modelRequestsPerMinute);
  if (controls.syncWaitMs !== undefined) columns.sync_wait_ms = controls.syncWaitMs;
  if (controls.budget !== undefined) {
    columns.budget_micros = controls.budget?.micros ?? null;
    columns.budget_period = controls.budget?.period ?? null;
    if (controls.budget === null || controls.budget.period !== current?.budget_period) {
      columns.budget_spent_micros = 0;
      columns.budget_period_start = null;
    }
  }
  return columns;
}

/** The allowed model globs (null: every model). */
export function allowedModels(record: ApiKeyRecord): string[] | null {
  return record.allowed_models === null ? null : (JSON.parse(record.allowed_models) as string[]);
}

/** Model glob → requests per minute (empty: no per-model limit). */
export function modelRequestLimits(record: ApiKeyRecord): Record<string, number> {
  return record.model_requests_per_minute === null ? {} : (JSON.parse(record.model_requests_per_minute) as Record<string, number>);
}

export async function findApiKey(db: Kysely<Database>, id: string): Promise<ApiKeyRecord | undefined> {
  return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Changes a key's controls; the updated record, or undefined when there is no such key. */
export async function updateKeyControls(db: Kysely<Database>, id: string, controls: KeyControls): Promise<ApiKeyRecord | undefined> {
  const current = await findApiKey(db, id);
  if (!current) return undefined;
  const columns = controlColumns(controls, current);
  if (Object.keys(columns).length > 0) {
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('api_keys').set(columns).where('id', '=', id).execute();
      await notifyKeyChanged(trx, id);
    });
    keyChangedHere(id);
  }
  return findApiKey(db, id);
}

export async function createApiKey(
  db: Kysely<Database>,
  accountId: string,
  name: string,
  spendLimitMicros: number | null = null,
  controls: KeyControls = {},
): Promise<{ record: ApiKeyRecord; key: string }> {
  const key = API_KEY_PREFIX + randomBase62(API_KEY_RANDOM_LENGTH);
  const record: ApiKeyRecord = {
    id: newId('key'),
    account_id: accountId,
    name,
    prefix: key.slice(0, API_KEY_PREFIX.length + SHOWN_PREFIX_LENGTH),
    key_hash: hashApiKey(key),
    created_at: Date.now(),
    revoked_at: null,
    spend_limit_micros: spendLimitMicros,
    spent_micros: 0,
    allowed_models: null,
    budget_micros: null,
    budget_period: null,
    budget_spent_micros: 0,
    budget_period_start: null,
    requests_per_minute: null,
    model_requests_per_minute: null,
    sync_wait_ms: null,
    ...controlColumns(controls),
  };
  await db.insertInto('api_keys').values(record).execute();
  return { record, key };
}

/**
 * The active key record for a presented key, or undefined. The stored hash is compared with the
 * computed one in constant time, so the response time says nothing about how close a guess was.
 */
export async function verifyApiKey(db: Kysely<Database>, presented: string, cache?: ApiKeyCache): Promise<ApiKeyRecord | undefined> {
  if (!presented.startsWith(API_KEY_PREFIX) || presented.length > 200) return undefined;
  const hash = hashApiKey(presented);
  // Found by the hash of what was presented: how long the lookup takes depends on SHA-256 output,
  // which no caller can steer toward a stored key's.
  const cached = cache?.get(hash);
  if (cached) return cached;
  const stamp = cache?.stamp() ?? 0;
  const record = await db.selectFrom('api_keys').selectAll().where('key_hash', '=', hash).executeTakeFirst();
  if (!record || !timingSafeEqual(Buffer.from(record.key_hash, 'hex'), Buffer.from(hash, 'hex'))) return undefined;
  if (record.revoked_at !== null) return undefined;
  cache?.remember(hash, record, stamp);
  return record;
}

/** Revokes a key; false when no such key exists. Revoking twice is fine. */
export async function revokeApiKey(db: Kysely<Database>, id: string): Promise<ApiKeyRecord | undefined> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('api_keys').set({ revoked_at: Date.now() }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    await notifyKeyChanged(trx, id);
  });
  keyChangedHere(id);
  return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listApiKeys(db: Kysely<Database>, accountId: string): Promise<ApiKeyRecord[]> {
  return db.selectFrom('api_keys').selectAll().where('account_id', '=', accountId).orderBy('created_at').execute();
}

/** The account's keys newest first, one page (revoked ones too); undefined when `after` is not a key of the account. */
export async function listApiKeysPage(db: Kysely<Database>, accountId: string, opts: { limit: number; after?: string }): Promise<Page<ApiKeyRecord> | undefined> {
  let cursor: PageCursor | undefined;
  if (opts.after !== undefined) {
    cursor = await db.selectFrom('api_keys').select(['id', 'created_at']).where('id', '=', opts.after).where('account_id', '=', accountId).executeTakeFirst();
    if (!cursor) return undefined;
  }
  return newestFirstPage(db.selectFrom('api_keys').selectAll().where('account_id', '=', accountId), cursor, opts.limit);
}
