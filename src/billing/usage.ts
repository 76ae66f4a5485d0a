// Usage reports from the reservations (which outlive tasks): per day and model, requests, images
// delivered and cost; and the ledger itself, for listing and CSV export.

import { type Kysely, sql } from 'kysely';
import { apiErrors } from '../api/errors.ts';
import type { Database, LedgerEntriesTable } from '../storage/db/schema.ts';
import { formatUsd } from '../util/money.ts';

const DAY_MS = 86_400_000;
/** The longest range one usage query covers. */
const MAX_USAGE_DAYS = 366;

export interface UsageQuery {
  accountId?: string;
  keyId?: string;
  /** Inclusive UTC days, YYYY-MM-DD. */
  startDate?: string;
  endDate?: string;
  groupBy: 'model' | 'account' | 'key';
}

export interface UsageRow {
  date: string;
  group: string;
  requests: number;
  failed_requests: number;
  images: number;
  cost_usd: string;
}

function parseDateRange(start: string | undefined, end: string | undefined, now = Date.now()): { from: number; to: number; startDate: string; endDate: string } {
  const parse = (value: string, field: string) => {
    const ms = Date.parse(`${value}T00:00:00Z`);
    // Date.parse rolls 2026-02-30 over to March 2: a real day reads back as itself.
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
      throw apiErrors.invalidRequest(`${field} must be a date YYYY-MM-DD`, field);
    }
    return ms;
  };
  const to = end ? parse(end, 'end_date') + DAY_MS : Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
  const from = start ? parse(start, 'start_date') : to - 30 * DAY_MS;
  if (from >= to) throw apiErrors.invalidRequest('start_date must not be after end_date', 'start_date');
  if (to - from > MAX_USAGE_DAYS * DAY_MS) throw apiErrors.invalidRequest(`A usage query covers at most ${MAX_USAGE_DAYS} days`, 'start_date');
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  return { from, to, startDate: day(from), endDate: day(to - DAY_MS) };
}

export async function usageReport(db: Kysely<Database>, q: UsageQuery): Promise<{ start_date: string; end_date: string; data: UsageRow[]; total_cost_usd: string }> {
  const range = parseDateRange(q.startDate, q.endDate);
  const groupColumn = q.groupBy === 'account' ? 'account_id' : q.groupBy === 'key' ? 'key_id' : 'model';
  let query = db
    .selectFrom('reservations')
    .select([
      sql<number>`(created_at / ${sql.lit(DAY_MS)})`.as('day'),
      sql<string>`${sql.ref(groupColumn)}`.as('grp'),
      sql<number>`count(*)`.as('requests'),
      sql<number>`sum(case when status = 'released' then 1 else 0 end)`.as('failed'),
      sql<number>`sum(images)`.as('images'),
      sql<number>`sum(coalesce(charged_micros, 0))`.as('cost'),
    ])
    .where('created_at', '>=', range.from)
    .where('created_at', '<', range.to)
    .groupBy([sql`(created_at / ${sql.lit(DAY_MS)})`, sql.ref(groupColumn)])
    .orderBy(sql`(created_at / ${sql.lit(DAY_MS)})`)
    .orderBy(sql.ref(groupColumn));
  if (q.accountId) query = query.where('account_id', '=', q.accountId);
  if (q.keyId) query = query.where('key_id', '=', q.keyId);
  const rows = await query.execute();
  let total = 0;
  const data = rows.map((r) => {
    total += Number(r.cost);
    return {
      date: new Date(Math.floor(Number(r.day)) * DAY_MS).toISOString().slice(0, 10),
      group: r.grp,
      requests: Number(r.requests),
      failed_requests: Number(r.failed),
      images: Number(r.images),
      cost_usd: formatUsd(Number(r.cost)),
    };
  });
  return { start_date: range.startDate, end_date: range.endDate, data, total_cost_usd: formatUsd(total) };
}

export const LEDGER_PAGE_MAX = 1000;

export async function listLedger(db: Kysely<Database>, accountId: string | undefined, opts: { limit: number; before?: number }): Promise<LedgerEntriesTable[]> {
  let query = db.selectFrom('ledger_entries').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(Math.min(opts.limit, LEDGER_PAGE_MAX));
  if (accountId) query = query.where('account_id', '=', accountId);
  if (opts.before !== undefined) query = query.where('created_at', '<', opts.before);
  return query.execute();
}

export function ledgerView(e: LedgerEntriesTable) {
  return {
    id: e.id,
    account_id: e.account_id,
    kind: e.kind,
    amount_usd: formatUsd(e.amount_micros),
    charge_usd: formatUsd(e.charge_micros),
    reservation_id: e.reservation_id,
    request_id: e.request_id,
    task_id: e.task_id,
    key_id: e.key_id,
    model: e.model,
    price_version: e.price_version,
    created_at: new Date(e.created_at).toISOString(),
  };
}

const CSV_COLUMNS = ['id', 'created_at', 'account_id', 'kind', 'amount_usd', 'charge_usd', 'reservation_id', 'request_id', 'task_id', 'key_id', 'model', 'price_version'] as const;

/** RFC 4180 CSV; cells that a spreadsheet would run as formulas are prefixed with a quote. */
export function ledgerCsv(entries: LedgerEntriesTable[]): string {
  const cell = (v: unknown) => {
    let s = v === null || v === undefined ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of entries) {
    const view = ledgerView(e) as Record<string, unknown>;
    lines.push(CSV_COLUMNS.map((c) => cell(view[c])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
