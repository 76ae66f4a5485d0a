// Uploaded files. Every query takes the owning account: a file of another account is as invisible as
// one that never existed.

import type { Kysely } from 'kysely';
import { randomBase62 } from '../../util/ids.ts';
import type { Database, FilesTable } from './schema.ts';

export type FileRecord = FilesTable;

const FILE_ID_PREFIX = 'file-';

export type NewFile = Omit<FileRecord, 'id' | 'created_at' | 'deleted_at'>;

export async function createFile(db: Kysely<Database>, input: NewFile): Promise<FileRecord> {
  const record: FileRecord = { ...input, id: FILE_ID_PREFIX + randomBase62(24), created_at: Date.now(), deleted_at: null };
  await db.insertInto('files').values(record).execute();
  return record;
}

/** A live (not deleted) file of the account. */
export async function findFile(db: Kysely<Database>, accountId: string, id: string): Promise<FileRecord | undefined> {
  return db
    .selectFrom('files')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export interface ListFilesOptions {
  limit: number;
  /** Only files older than this one (newest-first order), for paging. It may have been deleted since. */
  afterId?: string;
  purpose?: string;
}

/**
 * The account's live files, newest first; one more than `limit` is read to tell whether more follow.
 * Undefined when `afterId` is not a file of the account.
 */
export async function listFiles(
  db: Kysely<Database>,
  accountId: string,
  opts: ListFilesOptions,
): Promise<{ files: FileRecord[]; hasMore: boolean } | undefined> {
  let query = db.selectFrom('files').selectAll().where('account_id', '=', accountId).where('deleted_at', 'is', null);
  if (opts.purpose) query = query.where('purpose', '=', opts.purpose);
  if (opts.afterId !== undefined) {
    const after = await db
      .selectFrom('files')
      .select(['id', 'created_at'])
      .where('id', '=', opts.afterId)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (!after) return undefined;
    query = query.where((eb) =>
      eb.or([eb('created_at', '<', after.created_at), eb.and([eb('created_at', '=', after.created_at), eb('id', '<', after.id)])]),
    );
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit + 1).execute();
  return { files: rows.slice(0, opts.limit), hasMore: rows.length > opts.limit };
}

/**
 * Marks a live file of the account deleted and returns it; undefined when there was none. One UPDATE
 * decides, so of two concurrent deletes only one gets the record (and removes the blob).
 */
export async function markFileDeleted(db: Kysely<Database>, accountId: string, id: string): Promise<FileRecord | undefined> {
  const record = await findFile(db, accountId, id);
  if (!record) return undefined;
  const result = await db
    .updateTable('files')
    .set({ deleted_at: Date.now() })
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1 ? record : undefined;
}
