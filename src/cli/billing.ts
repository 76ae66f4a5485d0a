// `easel usage`, `easel ledger` and `easel ledger verify`: the same reports the admin usage and ledger
// routes answer (billing/usage.ts, billing/ledger.ts), read on the database directly.

import { checkLedger } from '../billing/ledger.ts';
import { LEDGER_PAGE_MAX, ledgerCsv, ledgerView, listLedger, usageReport } from '../billing/usage.ts';
import { findAccount } from '../storage/db/accounts.ts';
import type { Db } from '../storage/db/open.ts';
import { formatUsd } from '../util/money.ts';
import { intOption, JSON_OPTION, type Out, printJson, printTable, readArgs, UsageError } from './args.ts';

const LEDGER_DEFAULT_LIMIT = 100;
const GROUPS = ['model', 'key', 'account'] as const;

/** The account a report is about, when one is named; it must exist. */
async function namedAccount(db: Db, id: string | undefined): Promise<string | undefined> {
  if (id !== undefined && !(await findAccount(db.kysely, id))) throw new Error(`no account ${id}`);
  return id;
}

export async function usageCommand(db: Db, args: string[], out: Out): Promise<number> {
  const usage = 'usage [ACCOUNT_ID] [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--group-by model|key|account] [--key KEY_ID] [--json]';
  const { values, positionals } = readArgs(
    args,
    { ...JSON_OPTION, start: { type: 'string' }, end: { type: 'string' }, 'group-by': { type: 'string' }, key: { type: 'string' } },
    usage,
    [0, 1],
  );
  const accountId = await namedAccount(db, positionals[0]);
  const groupBy = values['group-by'] ?? 'model';
  // Grouping one account's usage by account says nothing; the admin route refuses it too.
  const allowed: readonly string[] = accountId ? GROUPS.filter((g) => g !== 'account') : GROUPS;
  if (!allowed.includes(groupBy)) throw new UsageError(`--group-by must be one of ${allowed.join(', ')}`);
  const report = await usageReport(db.kysely, { accountId, keyId: values.key, startDate: values.start, endDate: values.end, groupBy: groupBy as (typeof GROUPS)[number] });
  if (values.json) {
    printJson(out, { object: 'usage', group_by: groupBy, ...report });
    return 0;
  }
  out(`Usage ${report.start_date} to ${report.end_date}${accountId ? ` of ${accountId}` : ''}, by ${groupBy}: $${report.total_cost_usd} in total\n`);
  if (report.data.length === 0) out('(no requests)\n');
  else printTable(out, ['DATE', groupBy.toUpperCase(), 'REQUESTS', 'FAILED', 'IMAGES', 'COST_USD'], report.data.map((r) => [r.date, r.group, r.requests, r.failed_requests, r.images, r.cost_usd]));
  return 0;
}

export async function ledgerCommand(db: Db, args: string[], out: Out): Promise<number> {
  if (args[0] === 'verify') return verifyLedger(db, args.slice(1), out);
  const usage = 'ledger [ACCOUNT_ID] [--limit N] [--before UNIX_MS] [--json | --csv]';
  const { values, positionals } = readArgs(args, { ...JSON_OPTION, csv: { type: 'boolean' }, limit: { type: 'string' }, before: { type: 'string' } }, usage, [0, 1]);
  if (values.json && values.csv) throw new UsageError('--json or --csv, not both');
  const accountId = await namedAccount(db, positionals[0]);
  const limit = intOption(values.limit, 'limit', 1, LEDGER_PAGE_MAX, LEDGER_DEFAULT_LIMIT);
  const before = values.before === undefined ? undefined : intOption(values.before, 'before', 0, Number.MAX_SAFE_INTEGER, 0);
  const entries = await listLedger(db.kysely, accountId, { limit, before });
  if (values.csv) {
    out(ledgerCsv(entries));
    return 0;
  }
  const nextBefore = entries.length ? entries[entries.length - 1].created_at : null;
  if (values.json) {
    printJson(out, { object: 'list', data: entries.map(ledgerView), next_before: nextBefore });
    return 0;
  }
  if (entries.length === 0) out('(no entries)\n');
  else {
    printTable(
      out,
      ['CREATED', 'KIND', 'AMOUNT_USD', 'CHARGE_USD', 'ACCOUNT', 'MODEL', 'REQUEST'],
      entries.map(ledgerView).map((e) => [e.created_at, e.kind, e.amount_usd, e.charge_usd, e.account_id, e.model, e.request_id]),
    );
  }
  if (entries.length === limit) out(`(older: easel ledger${accountId ? ` ${accountId}` : ''} --limit ${limit} --before ${nextBefore})\n`);
  return 0;
}

/**
 * `ledger verify`: the invariant of billing/ledger.ts checkLedger on the live database (one
 * snapshot, read only). Exit 0 when the books balance, 1 with every problem listed when not.
 */
async function verifyLedger(db: Db, args: string[], out: Out): Promise<number> {
  const { values } = readArgs(args, JSON_OPTION, 'ledger verify [--json]');
  const { ok, problems, counts, totals } = await checkLedger(db.kysely);
  const usd = (micros: number) => `$${formatUsd(micros)}`;
  if (values.json) {
    const t = totals;
    const totalsUsd = { balance_usd: formatUsd(t.balanceMicros), reserved_usd: formatUsd(t.reservedMicros), settled_usd: formatUsd(t.settledMicros), released_usd: formatUsd(t.releasedMicros), open_usd: formatUsd(t.openMicros) };
    printJson(out, { ok, database: db.description, counts: { accounts: counts.accounts, entries: counts.entries, reservations: counts.reservations, open_holds: counts.openHolds }, totals: totalsUsd, problems });
    return ok ? 0 : 1;
  }
  out(`Ledger on ${db.description}: ${counts.accounts} accounts, ${counts.entries} entries, ${counts.reservations} reservations, ${counts.openHolds} open holds\n`);
  out(`  balances ${usd(totals.balanceMicros)} in total; reserved ${usd(totals.reservedMicros)} = settled ${usd(totals.settledMicros)} + released ${usd(totals.releasedMicros)} + open holds ${usd(totals.openMicros)}\n`);
  for (const problem of problems) out(`  PROBLEM ${problem}\n`);
  out(ok ? 'OK: the ledger balances\n' : `FAILED: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
  return ok ? 0 : 1;
}
