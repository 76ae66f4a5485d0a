// Newest-first pages over a table with `id` and `created_at`, by cursor: the row after which to go
// on. The cursor is the row itself (its time and id), so rows written between two pages neither
// repeat nor vanish, and two rows created in the same millisecond are told apart by id.

import { type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { Database } from './schema.ts';

/** Tables whose rows carry an `id` and a `created_at`. */
type DatedTable = { [T in keyof Database]: Database[T] extends { id: string; created_at: number } ? T : never }[keyof Database];

export interface PageCursor {
  id: string;
  created_at: number;
}

export interface Page<Row> {
  rows: Row[];
  /** More rows follow the last one. */
  hasMore: boolean;
}

/** One page of `query` (one table, no order of its own): `limit` rows older than `after`, newest first. */
export async function newestFirstPage<TB extends DatedTable, Row>(
  query: SelectQueryBuilder<Database, TB, Row>,
  after: PageCursor | undefined,
  limit: number,
): Promise<Page<Row>> {
  let q = query;
  if (after) q = q.where(sql<SqlBool>`(created_at < ${after.created_at} or (created_at = ${after.created_at} and id < ${after.id}))`);
  // One more than asked tells whether more follow.
  const rows = await q.orderBy(sql`created_at`, 'desc').orderBy(sql`id`, 'desc').limit(limit + 1).execute();
  return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
}

/** `text` as a LIKE pattern matching itself literally (with `escape '\'`). */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
