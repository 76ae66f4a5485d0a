// Idempotency keys in the database, so they hold across replicas and restarts. A key's row is written
// in the same transaction as what it creates (tasks/store.ts createTask for images, createKeyedFile
// here for uploads): the primary key on (account, key) lets only one of two racing requests create
// anything, and the loser reads the winner's row.

import type { Kysely } from 'kysely';
import { createFile, type FileRecord, type NewFile } from '../storage/db/files.ts';
import type { Database, IdempotencyKeysTable } from '../storage/db/schema.ts';

export type IdempotencyKeyRow = IdempotencyKeysTable;

/** How long a key answers with its first create: the same request within it is a retry. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;

/**
 * The account's live row for `key`. One past its window is deleted here (the sweep may not have run
 * yet), so the key can be used again at once.
 */
export async function findLiveKey(db: Kysely<Database>, accountId: string, key: string): Promise<IdempotencyKeyRow | undefined> {
  const row = await db.selectFrom('idempotency_keys').selectAll().where('account_id', '=', accountId).where('key', '=', key).executeTakeFirst();
  if (!row || row.expires_at > Date.now()) return row;
  await forgetKey(db, row);
  return undefined;
}

/** Removes this row (only it: a newer row under the same key is left alone). */
export async function forgetKey(db: Kysely<Database>, row: Pick<IdempotencyKeyRow, 'account_id' | 'key' | 'created_at'>): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('account_id', '=', row.account_id).where('key', '=', row.key).where('created_at', '=', row.created_at).execute();
}

/** The file an upload's key made, deleted since or not: a retry gets the answer the upload got. */
export async function findKeyedFile(db: Kysely<Database>, row: IdempotencyKeyRow): Promise<FileRecord | undefined> {
  if (!row.file_id) return undefined;
  return db.selectFrom('files').selectAll().where('id', '=', row.file_id).where('account_id', '=', row.account_id).executeTakeFirst();
}

/** Records the upload's file and its key in one transaction; fails on the primary key when the key is taken. */
export async function createKeyedFile(db: Kysely<Database>, key: Omit<IdempotencyKeyRow, 'task_id' | 'file_id'>, file: NewFile): Promise<FileRecord> {
  return db.transaction().execute(async (trx) => {
    const record = await createFile(trx, file);
    await trx.insertInto('idempotency_keys').values({ ...key, task_id: null, file_id: record.id }).execute();
    return record;
  });
}

/** A primary-key or unique violation: PostgreSQL's SQLSTATE 23505, SQLite's constraint codes. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
